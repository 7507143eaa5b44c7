/**
 * Cluster benchmark: the price of running one document on two processes instead of one.
 *
 * Usage:
 *   npm run bench -- cluster [--writers 20] [--readers 20] [--rate 5] [--duration 10] [--warmup 2]
 *
 * Method. Redis (our own redis-server, or REDIS_URL) and MongoDB (FerretDB from the cached binary, or
 * MONGODB_URI) are started once. Two runs at the same load, each on a fresh database:
 * - single: ONE server process (server/index.ts as a child), no Redis; every client on it.
 * - cluster: TWO server processes with REDIS_URL; clients alternate between them.
 * Clients are stock y-websocket WebsocketProviders in THIS process, all in one document. Each writer sets
 * its own key of a Y.Map `rate` times per second; every other client observes the change: one delivery,
 * latency = set -> observed (one clock, same process). Server CPU is read from /proc/<pid>/stat of every
 * server process over the measured window. Reported: deliveries/s, edit-to-peer p50/p99, server CPU per
 * 1,000 deliveries (summed over the processes). Loopback only; the client side shares the 2 cores.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { socketClassWith, spawnServerProcess, type ServerProcess } from '../test/helpers/collab';
import { startMongo, startRedis } from '../test/helpers/cluster';
import { withDatabase } from '../test/helpers/mongo';
import { ApiClient, signupUser } from '../test/helpers/server';

const f: Record<string, string> = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (a.startsWith('--')) f[a.slice(2)] = argv[i + 1] && !argv[i + 1]!.startsWith('--') ? argv[++i]! : '1';
}
const num = (k: string, d: number) => (f[k] !== undefined ? Number(f[k]) : d);
const WRITERS = num('writers', 20);
const READERS = num('readers', 20);
const RATE = num('rate', 5);
const DURATION = num('duration', 10) * 1000;
const WARMUP = num('warmup', 2) * 1000;
const TICK = 100; // clock ticks per second of /proc/<pid>/stat (USER_HZ on Linux)

/** CPU ms used so far by a process (user + system). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICK;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

async function run(label: string, servers: ServerProcess[]) {
  const owner = await signupUser(servers[0]!.url, 'Bench');
  const space = await owner.client.post('/api/spaces', { name: 'Bench', kind: 'plc' });
  const doc = await owner.client.post(`/api/spaces/${space.body.space.id}/docs`, { title: 'Bench', template: 'blank' });
  const docId: string = doc.body.doc.id;
  const sent = new Map<string, number>();
  const lat: number[] = [];
  let deliveries = 0;
  let measuring = false;
  const clients: { doc: Y.Doc; provider: WebsocketProvider }[] = [];
  for (let i = 0; i < WRITERS + READERS; i++) {
    const s = servers[i % servers.length]!;
    const cookie = Object.assign(new ApiClient(s.url), { cookie: owner.client.cookie }).cookie;
    const ydoc = new Y.Doc();
    const provider = new WebsocketProvider(`${s.wsUrl}/yjs`, docId, ydoc, {
      WebSocketPolyfill: socketClassWith({ cookie }) as unknown as typeof WebSocket,
      disableBc: true,
    });
    const me = `w${i}`;
    ydoc.getMap<number>('m').observe((e) => {
      if (e.transaction.local) return;
      for (const key of e.keysChanged) {
        if (key === me) continue;
        const at = sent.get(`${key}:${ydoc.getMap<number>('m').get(key)}`);
        if (at === undefined || !measuring) continue;
        deliveries++;
        lat.push(performance.now() - at);
      }
    });
    clients.push({ doc: ydoc, provider });
  }
  const deadline = Date.now() + 30_000;
  while (clients.some((c) => !c.provider.synced)) {
    if (Date.now() > deadline) throw new Error('clients did not sync');
    await new Promise((r) => setTimeout(r, 50));
  }
  const timers = clients.slice(0, WRITERS).map((c, i) => {
    let n = 0;
    return setInterval(() => {
      n++;
      sent.set(`w${i}:${n}`, performance.now());
      c.doc.getMap<number>('m').set(`w${i}`, n);
    }, 1000 / RATE);
  });
  await new Promise((r) => setTimeout(r, WARMUP));
  const cpu0 = servers.map((s) => cpuMs(s.proc.pid!));
  measuring = true;
  await new Promise((r) => setTimeout(r, DURATION));
  measuring = false;
  const cpu = servers.reduce((sum, s, i) => sum + cpuMs(s.proc.pid!) - cpu0[i]!, 0);
  for (const t of timers) clearInterval(t);
  for (const c of clients) c.provider.destroy();
  const perSec = deliveries / (DURATION / 1000);
  const row = { label, processes: servers.length, deliveriesPerSec: Math.round(perSec), p50: +pct(lat, 50).toFixed(1), p99: +pct(lat, 99).toFixed(1), cpuMsPer1k: +((cpu / deliveries) * 1000).toFixed(1), cpuPctOfOneCore: +((cpu / DURATION) * 100).toFixed(1) };
  process.stdout.write(`${JSON.stringify(row)}\n`);
  return row;
}

async function main() {
  const [redis, mongo] = await Promise.all([startRedis(), startMongo()]);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'collab-bench-cluster-'));
  const base = { DATA_DIR: dataDir, SESSION_SECRET: 'bench-cluster-secret-0123456789abcdef-0123', LOG_LEVEL: 'info' };
  const spawned: ServerProcess[] = [];
  const start = async (env: Record<string, string>) => {
    const p = await spawnServerProcess({ ...base, ...env });
    spawned.push(p);
    return p;
  };
  try {
    process.stdout.write(`writers ${WRITERS} x ${RATE}/s, readers ${READERS}, ${DURATION / 1000} s measured\n`);
    const single = await start({ MONGODB_URI: withDatabase(mongo.uri, `bench_single_${Date.now()}`) });
    const one = await run('single process', [single]);
    await single.stop('SIGKILL');
    const db = withDatabase(mongo.uri, `bench_cluster_${Date.now()}`);
    const two = [await start({ MONGODB_URI: db, REDIS_URL: redis.url }), await start({ MONGODB_URI: db, REDIS_URL: redis.url })];
    const split = await run('two processes', two);
    process.stdout.write(`p99 ratio ${(split.p99 / one.p99).toFixed(2)} (target <= 2), CPU per delivery ratio ${(split.cpuMsPer1k / one.cpuMsPer1k).toFixed(2)} (target <= 1.3)\n`);
  } finally {
    await Promise.all(spawned.map((p) => p.stop('SIGKILL')));
    await Promise.all([redis.stop(), mongo.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
