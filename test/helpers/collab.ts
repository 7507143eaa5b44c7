/**
 * Collab test helpers: start the real app with a test-only feature that wires the collab core in (so
 * these tests do not depend on the docs feature), create spaces, members and documents, and open stock
 * `WebsocketProvider` clients in Node that carry a session cookie and an Origin header.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { messageSaved } from '../../shared/collab';
import type { Role } from '../../shared/types';
import { createApp, type App } from '../../server/app';
import { COLLAB_INDEXES, type Collab } from '../../server/collab';
import { createDocsCollab, type DocsCollabOptions } from '../../server/docs/collab-hooks';
import { loadConfig } from '../../server/config';
import { createDocsRepo, DOC_INDEXES, type DocsRepo } from '../../server/docs/records';
import type { Feature } from '../../server/feature';
import { newId } from '../../server/ids';
import { createLogger } from '../../server/logger';
import { openEmbeddedStore } from '../../server/store/embedded';
import type { Collection, Doc, Store } from '../../server/store/port';
import { ApiClient, signupUser, tempDir } from './server';
import { waitFor } from './wait';

export interface CollabTestServer {
  url: string;
  wsUrl: string;
  app: App;
  store: Store;
  dataDir: string;
  docs: DocsRepo;
  /** The collab core of this app (set once the app attached). */
  collab: Collab;
  close(opts?: { keepData?: boolean }): Promise<void>;
}

/** A feature that only attaches the collab core with the docs hooks (what the docs feature does, minus its routes). */
export function collabTestFeature(options: DocsCollabOptions, onCreate: (c: Collab) => void): Feature {
  return {
    name: 'collab-test',
    indexes: [...DOC_INDEXES, ...COLLAB_INDEXES],
    create(ctx) {
      return {
        attach(server) {
          const collab = createDocsCollab(ctx, createDocsRepo(ctx.store), options);
          onCreate(collab);
          collab.attach(server);
          return { close: () => collab.close() };
        },
      };
    },
  };
}

/**
 * A `wrapStore` for startCollabServer: collection `name` gets the methods `patch` returns in place of its
 * own (a store fault the test injects); every other collection is untouched.
 */
export function patchCollection(name: string, patch: (c: Collection<Doc>) => Partial<Collection<Doc>>): (s: Store) => Store {
  return (inner) => ({
    ...inner,
    kind: inner.kind,
    collection<T extends Doc>(n: string): Collection<T> {
      const c = inner.collection<T>(n);
      if (n !== name) return c;
      // A proxy, not a spread: an adapter's collection is a class whose methods live on its prototype.
      const patched = patch(c as unknown as Collection<Doc>) as Record<string | symbol, unknown>;
      return new Proxy(c, {
        get(target, prop) {
          if (prop in patched) return patched[prop];
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
  });
}

/** Starts the app on 127.0.0.1:0 with the embedded store and the collab test feature. */
export async function startCollabServer(
  opts: { dataDir?: string; env?: Record<string, string>; collab?: DocsCollabOptions; wrapStore?: (s: Store) => Store } = {},
): Promise<CollabTestServer> {
  const dataDir = opts.dataDir ?? tempDir('collab-yjs-');
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...opts.env });
  const raw = await openEmbeddedStore(dataDir);
  const store = opts.wrapStore ? opts.wrapStore(raw) : raw;
  let collab: Collab | null = null;
  const app = await createApp({
    config,
    store,
    logger: createLogger(config.logLevel),
    features: [collabTestFeature({ unloadDelayMs: 200, ...opts.collab }, (c) => (collab = c))],
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const port = (app.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    app,
    store,
    dataDir,
    docs: createDocsRepo(store),
    collab: collab!,
    async close({ keepData = false } = {}) {
      app.server.close();
      await app.close();
      await store.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Person {
  client: ApiClient;
  user: { id: string; name: string };
}

/** A space with a facilitator, and a way to add people with a role through a real invite. */
export async function createSpaceWithOwner(baseUrl: string, visibility: 'private' | 'listed' = 'private') {
  const owner = await signupUser(baseUrl, 'Owner');
  const res = await owner.client.post('/api/spaces', { name: 'Grade 7 PLC', kind: 'plc', visibility });
  if (res.status !== 201) throw new Error(`space: ${res.status} ${JSON.stringify(res.body)}`);
  const spaceId: string = res.body.space.id;
  return {
    spaceId,
    owner: owner as Person,
    async addPerson(role: Role, name = role === 'guest' ? 'Guest' : 'Member'): Promise<Person> {
      const p = await signupUser(baseUrl, name);
      const inv = await owner.client.post(`/api/spaces/${spaceId}/invites`, { role });
      if (inv.status !== 201) throw new Error(`invite: ${inv.status} ${JSON.stringify(inv.body)}`);
      const acc = await p.client.post(`/api/invites/${inv.body.invite.code}/accept`);
      if (acc.status !== 200) throw new Error(`accept: ${acc.status} ${JSON.stringify(acc.body)}`);
      return p;
    },
  };
}

/** Inserts a document record directly (what the docs routes would do). */
export async function insertDoc(docs: DocsRepo, spaceId: string, createdBy: string, extra: { archived?: boolean } = {}): Promise<string> {
  const id = newId();
  const at = new Date();
  await docs.insert({ _id: id, spaceId, title: 'Unit plan', template: 'blank', createdBy, createdAt: at, updatedAt: at, archived: extra.archived ?? false });
  return id;
}

/**
 * A `ws` WebSocket class that sends fixed headers (cookie, Origin) on every connection: the stock
 * provider only takes a constructor, so the headers ride on a subclass.
 */
export function socketClassWith(headers: Record<string, string>): typeof WebSocket {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  } as typeof WebSocket;
}

export interface TestClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Saved acknowledgements received (state vectors), newest last. */
  saved: Uint8Array[];
  /** Close events seen by the provider. */
  closes: { code: number; reason: string }[];
  destroy(): void;
}

/** Opens a stock WebsocketProvider to `/yjs/:docId` as `person` (cookie), optionally asking for saved acks. */
export function connect(
  wsUrl: string,
  docId: string,
  person: { client: ApiClient } | null,
  opts: { saved?: boolean; origin?: string; doc?: Y.Doc } = {},
): TestClient {
  const doc = opts.doc ?? new Y.Doc();
  const headers: Record<string, string> = {};
  if (person?.client.cookie) headers.cookie = person.client.cookie;
  if (opts.origin) headers.origin = opts.origin;
  const provider = new WebsocketProvider(`${wsUrl}/yjs`, docId, doc, {
    WebSocketPolyfill: socketClassWith(headers) as unknown as typeof globalThis.WebSocket,
    // Two providers in one process would otherwise sync through BroadcastChannel, bypassing the server.
    disableBc: true,
    maxBackoffTime: 200,
    ...(opts.saved ? { params: { saved: '1' } } : {}),
  });
  const saved: Uint8Array[] = [];
  const closes: { code: number; reason: string }[] = [];
  provider.messageHandlers[messageSaved] = (_encoder, decoder) => {
    saved.push(decoding.readVarUint8Array(decoder));
  };
  provider.on('connection-close', (event) => {
    if (event) closes.push({ code: event.code, reason: String(event.reason) });
  });
  return {
    doc,
    provider,
    saved,
    closes,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

export { waitFor } from './wait';

/** Resolves when the provider has synced with the server. */
export function synced(c: TestClient, timeoutMs = 5_000): Promise<void> {
  return waitFor(() => c.provider.synced, 'sync', timeoutMs);
}

/** True when state vector `sv` covers every clock of `doc`'s own state vector entries for `client`. */
export function covers(sv: Uint8Array, doc: Y.Doc): boolean {
  const have = Y.decodeStateVector(sv);
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) {
    if ((have.get(client) ?? 0) < clock) return false;
  }
  return true;
}

/** Attempts a raw upgrade and returns the HTTP status of a refusal (or 101). */
export function upgradeStatus(wsUrl: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsUrl}${path}`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.on('error', (err) => reject(err));
  });
}

export interface ServerProcess {
  url: string;
  wsUrl: string;
  proc: ChildProcess;
  /** Sends `signal` and resolves with the exit code (null when a signal ended it). */
  stop(signal: NodeJS.Signals): Promise<number | null>;
  /** What the process wrote to stdout and stderr, its last OUTPUT_KEPT characters: its log, for a failing test. */
  output(): string;
}

/** How much of a server process's output is kept (the start of a long run's log is dropped). */
const OUTPUT_KEPT = 512 * 1024;

/** The node flags of `npm start` (package.json), for a server process started from a production build. */
export const START_NODE_FLAGS: string[] = (() => {
  const start = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const cmd = start.split('&&').pop()!.trim().split(/\s+/);
  return cmd.slice(1).filter((a) => a.startsWith('--'));
})();

/**
 * Starts server/index.ts as ONE node process (`node --import tsx`), so a signal reaches the server
 * itself: through the tsx wrapper, SIGKILL would kill only the wrapper and leave the server running.
 * `nodeArgs` go to node itself (the cluster benchmark's --cpu-prof, which NODE_OPTIONS refuses).
 */
export async function spawnServerProcess(env: Record<string, string>, nodeArgs: string[] = [], opts: { bundle?: string } = {}): Promise<ServerProcess> {
  // `bundle`: a production build's entry (scripts/build-server.mjs), run as `npm start` runs it.
  const entry = opts.bundle ? [...START_NODE_FLAGS, opts.bundle] : ['--import', 'tsx', 'server/index.ts'];
  const proc = spawn(process.execPath, [...nodeArgs, ...entry], {
    env: { ...process.env, NODE_ENV: opts.bundle ? 'production' : 'test', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 2 * OUTPUT_KEPT) out = out.slice(-OUTPUT_KEPT);
  };
  // Read for the process's whole life (a pipe nobody reads would fill and stall its logging).
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start:\n${out}`));
    }, 20_000);
    const started = () => {
      const m = out.match(/"port":(\d+)/);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout!.off('data', started);
      resolve(Number(m[1]));
    };
    proc.stdout!.on('data', started);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    proc,
    stop(signal) {
      return new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (code) => resolve(code));
        proc.kill(signal);
      });
    },
    output: () => out.slice(-OUTPUT_KEPT),
  };
}
