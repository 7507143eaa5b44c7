/**
 * Several real server processes sharing one Redis and one MongoDB, for the cluster tests. Redis: the one
 * REDIS_URL names, else a redis-server of our own on a free port. MongoDB: the server the run probed
 * (MONGODB_TEST_URI), else FerretDB from the cached binary (scripts/ferretdb.sh builds it) on a free port.
 * `clusterSkipReason()` says why the tests cannot run (printed by the caller), or null.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import * as Y from 'yjs';
import { createUpdateLog } from '../../server/collab/updateLog';
import { openMongoStore } from '../../server/store/mongo';
import { MONGODB_TEST_URI, withDatabase } from './mongo';
import { createSpaceWithOwner, spawnServerProcess, type Person, type ServerProcess, type TestClient } from './collab';
import { ApiClient } from './server';

const FERRETDB_BIN = path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'collaboratory', 'ferretdb-1.24.2', 'ferretdb');
const hasRedisServer = () => spawnSync('redis-server', ['--version']).status === 0;

/** Why the tests that need Redis cannot run here, or null when they can. */
export function redisSkipReason(): string | null {
  return !process.env.REDIS_URL && !hasRedisServer() ? 'redis-server is not installed and REDIS_URL is not set' : null;
}

/** Why the multi-process tests cannot run here, or null when they can. */
export function clusterSkipReason(): string | null {
  const noRedis = redisSkipReason();
  if (noRedis) return noRedis;
  if (!MONGODB_TEST_URI && !existsSync(FERRETDB_BIN)) return `no MongoDB: MONGODB_URI is not set and FerretDB is not built (scripts/ferretdb.sh build makes ${FERRETDB_BIN})`;
  return null;
}

/** A free TCP port on 127.0.0.1 (bound on port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntil(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

export interface RedisHandle {
  url: string;
  /** Stops our own redis-server (no-op for one REDIS_URL named). */
  stop(): Promise<void>;
  /** Starts it again on the same port (our own only). */
  start(): Promise<void>;
  /** True when this Redis is ours (so a test may stop and restart it). */
  own: boolean;
}

async function redisAnswers(url: string): Promise<boolean> {
  const c = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (c.isOpen) await c.close();
  }
}

/** The Redis of the run (REDIS_URL) or a fresh redis-server of ours. */
export async function startRedis(): Promise<RedisHandle> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, own: false, stop: async () => {}, start: async () => {} };
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess | null = null;
  const start = async () => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitUntil('redis-server', () => redisAnswers(url));
  };
  const stop = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  };
  await start();
  return { url, own: true, start, stop };
}

export interface MongoHandle {
  /** A URI naming a database of its own for this cluster. */
  uri: string;
  stop(): Promise<void>;
}

/**
 * The run's MongoDB (a fresh database in it) or a FerretDB of ours with a temporary data directory (under
 * `parentDir`, the system's temporary directory by default).
 */
export async function startMongo(opts: { parentDir?: string } = {}): Promise<MongoHandle> {
  const db = `collab_cluster_${process.pid}_${Date.now().toString(36)}`;
  if (MONGODB_TEST_URI) return { uri: withDatabase(MONGODB_TEST_URI, db), stop: async () => {} };
  const dir = mkdtempSync(path.join(opts.parentDir ?? tmpdir(), 'collab-ferretdb-'));
  const uriFile = path.join(dir, 'uri');
  const proc = spawn(FERRETDB_BIN, ['-listen', '127.0.0.1:0', '-sqlite-dir', dir, '-uri-file', uriFile], { stdio: 'ignore' });
  await waitUntil('FerretDB', () => existsSync(uriFile) && readFileSync(uriFile, 'utf8').trim().length > 0, 20_000);
  const base = readFileSync(uriFile, 'utf8').trim();
  return {
    uri: withDatabase(base, db),
    async stop() {
      if (proc.exitCode === null) {
        await new Promise<void>((resolve) => {
          proc.once('exit', () => resolve());
          proc.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestCluster {
  redis: RedisHandle;
  mongo: MongoHandle;
  nodes: ServerProcess[];
  /** Starts one more process on the same Redis and MongoDB. */
  add(): Promise<ServerProcess>;
  /** Stops every process (SIGKILL) and what the cluster started. */
  stop(): Promise<void>;
}

/** Starts `n` server processes sharing one Redis and one MongoDB database and one session secret. */
export async function startCluster(n = 2, env: Record<string, string> = {}): Promise<TestCluster> {
  const [redis, mongo] = await Promise.all([startRedis(), startMongo()]);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'collab-cluster-'));
  const shared = {
    REDIS_URL: redis.url,
    MONGODB_URI: mongo.uri,
    DATA_DIR: dataDir,
    SESSION_SECRET: 'cluster-test-secret-0123456789abcdef-0123456789',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    ...env,
  };
  const nodes: ServerProcess[] = [];
  const add = async () => {
    const node = await spawnServerProcess(shared);
    nodes.push(node);
    return node;
  };
  for (let i = 0; i < n; i++) await add();
  return {
    redis,
    mongo,
    nodes,
    add,
    async stop() {
      await Promise.all(nodes.map((p) => p.stop('SIGKILL')));
      await Promise.all([redis.stop(), mongo.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A document as the cluster's shared store holds it: what a process loading it now would see. */
export async function storedDoc(cluster: TestCluster, docId: string): Promise<Y.Doc> {
  const store = await openMongoStore(cluster.mongo.uri);
  try {
    return (await createUpdateLog(store, Date.now).load(docId)).doc;
  } finally {
    await store.close();
  }
}

/** A document's text (`t`) as the shared store holds it. */
export async function storedText(cluster: TestCluster, docId: string): Promise<string> {
  return (await storedDoc(cluster, docId)).getText('t').toString();
}

/**
 * Starts an `n`-process cluster before a test file's tests (unless `skip`) and stops it after them,
 * calling `cleanup` first (close the clients); returns a getter for it.
 */
export function useCluster(n: number, skip: string | null, cleanup: () => void = () => {}): () => TestCluster {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    if (!skip) cluster = await startCluster(n);
  }, 60_000);
  // A failing test prints what the servers logged (the end of it): a cluster test's failure usually lies in
  // the processes, which the test cannot see.
  afterEach((ctx) => {
    if (ctx.task.result?.state !== 'fail' || !cluster) return;
    for (const [i, node] of cluster.nodes.entries()) {
      console.error(`--- server process ${i + 1} (pid ${node.proc.pid}, ${node.url}), the last ${LOG_TAIL / 1024} KB of its output ---\n${node.output().slice(-LOG_TAIL)}`);
    }
  });
  afterAll(async () => {
    cleanup();
    await cluster?.stop();
  });
  return () => cluster!;
}

/** How much of each server's log a failing cluster test prints. */
const LOG_TAIL = 24 * 1024;

/**
 * A two-process cluster for a test file: prints why it skips (`skip`), else starts before the tests and
 * stops after them (calling `cleanup` first); `urls()` gives the two processes' base URLs.
 */
export function useTwoProcesses(file: string, cleanup: () => void = () => {}) {
  const skip = clusterSkipReason();
  if (skip) console.warn(`[${file}] skipped: ${skip}`);
  const get = useCluster(2, skip, cleanup);
  return { skip, urls: () => get().nodes.map((n) => n.url) as [string, string] };
}

/** The same login used through another process (sessions live in the shared store). */
export const viaProcess = (p: Person, url: string): Person => ({ ...p, client: Object.assign(new ApiClient(url), { cookie: p.client.cookie }) });

/**
 * True when a saved acknowledgement the client received covers every edit it made (CONTRACT: an
 * acknowledgement follows each durable write that covers the connection's own updates; other people's
 * edits are acknowledged to them).
 */
export const ackedAll = (c: TestClient) => {
  const own = Y.decodeStateVector(Y.encodeStateVector(c.doc)).get(c.doc.clientID) ?? 0;
  return c.saved.some((sv) => (Y.decodeStateVector(sv).get(c.doc.clientID) ?? 0) >= own);
};

/** A new blank document made through `url`, its space's owner and a member. */
export async function newClusterDoc(url: string): Promise<{ docId: string; owner: Person; member: Person }> {
  const space = await createSpaceWithOwner(url);
  const res = await space.owner.client.post(`/api/spaces/${space.spaceId}/docs`, { title: 'Shared plan', template: 'blank' });
  if (res.status !== 201) throw new Error(`doc: ${res.status} ${JSON.stringify(res.body)}`);
  const member = await space.addPerson('member');
  return { docId: res.body.doc.id as string, owner: space.owner, member };
}
