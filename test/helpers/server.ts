/**
 * Test helpers: start the real app on port 0 (in-process, embedded store in a temp dir, or MongoDB in the
 * "integration-mongo" project) or as a child process (for kill -9 tests), and an HTTP client with a
 * cookie jar.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApp, type App, type AppDeps } from '../../server/app';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { openEmbeddedStore } from '../../server/store/embedded';
import { openMongoStore } from '../../server/store/mongo';
import type { Store } from '../../server/store/port';
import { databaseFor, dropDatabase, MONGO_STORE_SELECTED, MONGODB_TEST_URI, withDatabase } from './mongo';

export interface TestServer {
  url: string;
  wsUrl: string;
  port: number;
  app: App;
  store: Store;
  dataDir: string;
  /** Stops the server and closes the store; removes the data dir unless `keepData`. */
  close(opts?: { keepData?: boolean }): Promise<void>;
}

/** A fresh temp directory for a store. */
export function tempDir(prefix = 'collab-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

const useMongo = MONGO_STORE_SELECTED && Boolean(MONGODB_TEST_URI);

/**
 * Opens the store a test server uses for `dataDir`: the embedded store there, or, in the
 * "integration-mongo" project, a MongoDB database named after the directory (so a restart finds it).
 */
export async function openTestStore(dataDir: string): Promise<Store> {
  return useMongo ? openMongoStore(withDatabase(MONGODB_TEST_URI!, databaseFor(dataDir))) : openEmbeddedStore(dataDir);
}

/** Removes what `openTestStore(dataDir)` stored (close the store first). */
export async function removeTestData(dataDir: string): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true });
  if (useMongo) await dropDatabase(databaseFor(dataDir));
}

/** Starts the real app on 127.0.0.1:0 with the test store for `dataDir` (a new temp dir by default). */
export async function startServer(
  opts: {
    dataDir?: string;
    env?: Record<string, string>;
    now?: () => number;
    rateLimits?: AppDeps['rateLimits'];
    sessionSweepMs?: number;
    features?: AppDeps['features'];
    /** Puts a network fault between the app and its store (a slow or failing reply); the real store is closed as usual. */
    storeFault?: (store: Store) => Store;
  } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? tempDir();
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...opts.env });
  const store = await openTestStore(dataDir);
  const app = await createApp({ config, store: opts.storeFault ? opts.storeFault(store) : store, logger: createLogger(config.logLevel), ...(opts.now ? { now: opts.now } : {}), ...(opts.rateLimits ? { rateLimits: opts.rateLimits } : {}), ...(opts.sessionSweepMs ? { sessionSweepMs: opts.sessionSweepMs } : {}), ...(opts.features ? { features: opts.features } : {}) });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const port = (app.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    app,
    store,
    dataDir,
    async close({ keepData = false } = {}) {
      app.server.close();
      await app.close();
      await store.close();
      if (!keepData) await removeTestData(dataDir);
    },
  };
}

export interface ChildServer {
  url: string;
  port: number;
  proc: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns `server/index.ts` as a real process on a free port; resolves once it listens. It is ONE node
 * process (`node --import tsx`): through the tsx CLI wrapper, SIGKILL would kill only the wrapper and
 * leave the server running, so a kill -9 test would prove nothing.
 */
export async function spawnServer(env: Record<string, string>): Promise<ChildServer> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    env: { ...process.env, NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start:\n${out}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(/"port":(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    proc,
    output: () => out,
    kill(signal = 'SIGKILL') {
      return new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (code) => resolve(code));
        proc.kill(signal);
      });
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** An HTTP client with its own cookie jar: one per simulated user. */
export class ApiClient {
  cookie = '';
  constructor(
    readonly baseUrl: string,
    private readonly defaultHeaders: Record<string, string> = {},
  ) {}

  async request<T = any>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const res = await fetch(this.baseUrl + url, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...this.defaultHeaders,
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const set = res.headers.getSetCookie();
    for (const c of set) {
      const [pair] = c.split(';');
      const [name, value] = pair!.split('=');
      if (name === 'collab_sid') this.cookie = value ? `collab_sid=${value}` : '';
    }
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
  get<T = any>(url: string) {
    return this.request<T>('GET', url);
  }
  post<T = any>(url: string, body?: unknown) {
    return this.request<T>('POST', url, body ?? {});
  }
  patch<T = any>(url: string, body?: unknown) {
    return this.request<T>('PATCH', url, body ?? {});
  }
  delete<T = any>(url: string) {
    return this.request<T>('DELETE', url);
  }
}

let counter = 0;
/** Signs up a new user with a unique email; returns the logged-in client and the user. */
export async function signupUser(baseUrl: string, name = 'Teacher'): Promise<{ client: ApiClient; user: { id: string; email: string; name: string }; password: string }> {
  const client = new ApiClient(baseUrl);
  const email = `${name.toLowerCase().replace(/\W+/g, '')}.${process.pid}.${++counter}.${Date.now()}@school.test`;
  const password = 'correct horse battery';
  const res = await client.post('/api/auth/signup', { email, password, name });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { client, user: res.body.user, password };
}
