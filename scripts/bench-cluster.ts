/**
 * Cluster benchmark: the price of running one document (and one chat channel) on two processes instead
 * of one.
 *
 * Usage:
 *   npm run bench -- cluster [--writers 20] [--readers 20] [--rate 5] [--duration 10] [--warmup 2]
 *                            [--rounds 4] [--warmup-rounds 3] [--tsx] [--chat-sockets 200] [--chat-senders 20] [--chat-rate 0.5] [--only docs|chat] [--prof DIR]
 *
 * Method. Redis (our own redis-server, or REDIS_URL) and MongoDB (FerretDB from the cached binary, or
 * MONGODB_URI) are started once, then the servers, each a real child process run as `npm start` runs it
 * (the production bundle, built first, NODE_ENV=production, start's node flags; --tsx: server/index.ts
 * through tsx, as the tests run it):
 * - single: ONE server process without Redis (a database of its own); every client on it.
 * - two processes: TWO server processes with REDIS_URL (one database); clients alternate between them.
 * Each round measures both back to back at the same load (alternating which goes first), so a busy
 * machine slows both alike; the ratios are reported per round and their median at the end. The mode that
 * goes first in a round has just run at the end of the round before, while the other sat idle and pays that
 * back in its first measured seconds: an even number of rounds (the default, 4) gives both modes that
 * advantage equally often. First come
 * `--warmup-rounds` rounds that are not counted: a server's first minutes under load pay its JIT compilation
 * (V8's helper threads alone then burn 40-60 ms/s per process, twice over with two processes), and its cost
 * per delivery falls by a third over the first three rounds.
 * Documents: stock y-websocket WebsocketProviders in THIS process, all in one new document. Each writer
 * sets its own key of a Y.Map `rate` times per second; every other client observing the change is one
 * delivery, latency = set -> observed (one clock, same process); when a client sees several sets of one key
 * at once (merged in one update), each counts, with its own latency.
 * Chat: `chat-sockets` stock socket.io-client connections (websocket transport) joined to one space,
 * spread over the senders' logins; `chat-senders` members each send `chat-rate` messages per second (10
 * messages a second in all by default); every `message:new` received is one delivery, latency = send ->
 * arrival. The senders stay at half the per-user limit (1 a second): at exactly the limit, a send often
 * lands a moment before its one-second window ends and draws on the burst allowance, a second limiter check
 * that is a Redis round trip in a cluster and that people chatting do not make.
 * Server CPU is read from /proc/<pid>/stat of every server process of the run over the measured window.
 * Reported: deliveries/s, p50/p99, server CPU per 1,000 deliveries (summed over the processes).
 * Loopback only; the client side shares the machine's cores.
 *
 * --prof DIR writes a V8 CPU profile of every server process into DIR (node --cpu-prof; the servers are
 * then stopped with SIGTERM so that the profile is written).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { socketClassWith, spawnServerProcess, type ServerProcess } from '../test/helpers/collab';
import { startMongo, startRedis } from '../test/helpers/cluster';
import { withDatabase } from '../test/helpers/mongo';
import { call, connectSocket, spaceWith, type ChatSocket } from '../test/helpers/chat';
import { ApiClient } from '../test/helpers/server';

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
const ROUNDS = num('rounds', 4);
const WARMUP_ROUNDS = num('warmup-rounds', 3);
const CHAT_SOCKETS = num('chat-sockets', 200);
const CHAT_SENDERS = num('chat-senders', 20);
const CHAT_RATE = num('chat-rate', 0.5);
const ONLY = f.only;
const PROF = f.prof;
const TSX = f.tsx !== undefined;
const TICK = 100; // clock ticks per second of /proc/<pid>/stat (USER_HZ on Linux)

/** CPU ms used so far by a process: user and system time. */
function cpuSplit(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: (Number(fields[11]) * 1000) / TICK, sys: (Number(fields[12]) * 1000) / TICK };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

interface Row {
  label: string;
  processes: number;
  deliveriesPerSec: number;
  p50: number;
  p99: number;
  cpuMsPer1k: number;
  cpuPctOfOneCore: number;
  /** [user, system] ms per 1,000 deliveries, per server process. */
  perProcessUserSysPer1k: [number, number][];
}

/** Measures `DURATION` after `WARMUP` while the load runs: deliveries and server CPU of `servers`. */
async function measure(label: string, servers: ServerProcess[], counter: { deliveries: number; lat: number[]; measuring: boolean; since: number }): Promise<Row> {
  await new Promise((r) => setTimeout(r, WARMUP));
  const cpu0 = servers.map((s) => cpuSplit(s.proc.pid!));
  counter.since = performance.now();
  counter.measuring = true;
  await new Promise((r) => setTimeout(r, DURATION));
  counter.measuring = false;
  // Per process, user and system ms per 1,000 deliveries: where the cost sits (the owner of a document
  // stores; system time is mostly socket writes).
  const split = servers.map((s, i) => {
    const now = cpuSplit(s.proc.pid!);
    return { user: now.user - cpu0[i]!.user, sys: now.sys - cpu0[i]!.sys };
  });
  const cpu = split.reduce((sum, x) => sum + x.user + x.sys, 0);
  const { deliveries, lat } = counter;
  const row: Row = {
    label,
    processes: servers.length,
    deliveriesPerSec: Math.round(deliveries / (DURATION / 1000)),
    p50: +pct(lat, 50).toFixed(1),
    p99: +pct(lat, 99).toFixed(1),
    cpuMsPer1k: +((cpu / deliveries) * 1000).toFixed(1),
    cpuPctOfOneCore: +((cpu / DURATION) * 100).toFixed(1),
    perProcessUserSysPer1k: split.map((x) => [+((x.user / counter.deliveries) * 1000).toFixed(1), +((x.sys / counter.deliveries) * 1000).toFixed(1)]),
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
  return row;
}

/** One document, WRITERS + READERS providers spread over `servers`. */
async function docsRun(label: string, servers: ServerProcess[], owner: { client: ApiClient }): Promise<Row> {
  const space = await owner.client.post('/api/spaces', { name: 'Bench', kind: 'plc' });
  const doc = await owner.client.post(`/api/spaces/${space.body.space.id}/docs`, { title: 'Bench', template: 'blank' });
  const docId: string = doc.body.doc.id;
  const sent = new Map<string, number>();
  const counter = { deliveries: 0, lat: [] as number[], measuring: false, since: 0 };
  const clients: { doc: Y.Doc; provider: WebsocketProvider }[] = [];
  // Updates each writer made while measuring, and deliveries per observing client: a client that received
  // fewer than the others offered is named.
  const madeBy = new Array<number>(WRITERS).fill(0);
  const byObserver = new Array<number>(WRITERS + READERS).fill(0);
  for (let i = 0; i < WRITERS + READERS; i++) {
    const s = servers[i % servers.length]!;
    const cookie = Object.assign(new ApiClient(s.url), { cookie: owner.client.cookie }).cookie;
    const ydoc = new Y.Doc();
    const provider = new WebsocketProvider(`${s.wsUrl}/yjs`, docId, ydoc, {
      WebSocketPolyfill: socketClassWith({ cookie }) as unknown as typeof WebSocket,
      disableBc: true,
    });
    const me = `w${i}`;
    const seen = new Map<string, number>(); // the last value of each peer's key this client saw
    ydoc.getMap<number>('m').observe((e) => {
      if (e.transaction.local) return;
      const now = performance.now();
      for (const key of e.keysChanged) {
        if (key === me) continue;
        const v = ydoc.getMap<number>('m').get(key);
        if (v === undefined) continue;
        const from = (seen.get(key) ?? v - 1) + 1;
        seen.set(key, v);
        if (!counter.measuring) continue;
        // Sets of one key that reach this client in one update (merged while the writer or a server was held
        // up) are each a delivery, each with its own latency: counting only the last one hid both.
        for (let x = from; x <= v; x++) {
          const at = sent.get(`${key}:${x}`);
          if (at === undefined || at < counter.since) continue;
          counter.deliveries++;
          counter.lat.push(now - at);
          byObserver[i]!++;
        }
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
      const at = performance.now();
      sent.set(`w${i}:${n}`, at);
      if (counter.measuring && at >= counter.since) madeBy[i]!++;
      c.doc.getMap<number>('m').set(`w${i}`, n);
    }, 1000 / RATE);
  });
  try {
    const row = await measure(`docs, ${label}`, servers, counter);
    // The offered load is what the writers' timers managed (this process shares the machine's cores with
    // the servers, and its timers lag when it is busy); every client should receive what the others made.
    const made = madeBy.reduce((a, b) => a + b, 0);
    if (made < 0.95 * WRITERS * RATE * (DURATION / 1000)) {
      process.stdout.write(`  offered load: ${(made / (DURATION / 1000)).toFixed(0)} updates/s of ${WRITERS * RATE} (the bench's own timers lagged)\n`);
    }
    const short = byObserver.flatMap((got, i) => {
      const want = made - (i < WRITERS ? madeBy[i]! : 0);
      return got < 0.95 * want ? [`client ${i}: ${got} of ${want}`] : [];
    });
    if (short.length) process.stdout.write(`  clients short of what was offered: ${short.join(', ')}\n`);
    return row;
  } finally {
    for (const t of timers) clearInterval(t);
    for (const c of clients) c.provider.destroy();
  }
}

/** A facilitator and a space with the chat senders as members, made once per server set. */
async function setUp(url: string) {
  return spaceWith(url, Array.from({ length: ONLY === 'docs' ? 0 : CHAT_SENDERS }, (_, i) => ({ name: `Sender ${i}` })));
}

/**
 * Removes the messages earlier runs stored in database `uri`. FerretDB (the MongoDB stand-in here) answers
 * the send path's indexed lookups by scanning the collection, so without this every chat run is slower than
 * the one before it and the later rounds measure FerretDB, not our servers.
 */
async function clearMessages(uri: string): Promise<void> {
  const client = new MongoClient(uri);
  try {
    await client.db().collection('messages').deleteMany({});
  } finally {
    await client.close();
  }
}

/** One channel, CHAT_SOCKETS sockets spread over `servers` and over the senders' logins. */
async function chatRun(label: string, servers: ServerProcess[], setup: Awaited<ReturnType<typeof setUp>>, dbUri: string): Promise<Row> {
  await clearMessages(dbUri);
  const counter = { deliveries: 0, lat: [] as number[], measuring: false, since: 0 };
  const sockets: ChatSocket[] = [];
  const logins = setup.people;
  // The joins are not part of the measured window; their cost is printed apart ("Online now" is asked of
  // every process at each join).
  const joinCpu0 = servers.map((x) => cpuSplit(x.proc.pid!));
  const joinStart = performance.now();
  for (let i = 0; i < CHAT_SOCKETS; i++) {
    const s = await connectSocket(servers[i % servers.length]!.url, logins[i % logins.length]!.client.cookie);
    const ack = await call(s, 'space:join', { spaceId: setup.spaceId });
    if ('error' in ack) throw new Error(`space:join: ${JSON.stringify(ack)}`);
    s.on('message:new', ({ message }) => {
      if (!counter.measuring || !message.text.startsWith('bench ')) return;
      counter.deliveries++;
      counter.lat.push(performance.now() - Number(message.text.slice(6)));
    });
    sockets.push(s);
  }
  const joinCpu = servers.reduce((sum, x, i) => {
    const now = cpuSplit(x.proc.pid!);
    return sum + now.user + now.sys - joinCpu0[i]!.user - joinCpu0[i]!.sys;
  }, 0);
  process.stdout.write(`  chat, ${label}: ${CHAT_SOCKETS} sockets connected and joined in ${((performance.now() - joinStart) / 1000).toFixed(1)} s, server CPU ${joinCpu.toFixed(0)} ms\n`);
  // Sender k sends on socket k: on process k % 2, so half of every message's readers are elsewhere.
  let seq = 0;
  const errors: Record<string, number> = {};
  const run = Date.now().toString(36);
  const timers = logins.map((_, k) =>
    setInterval(() => {
      const msg = { channelId: setup.general, text: `bench ${performance.now()}`, clientMsgId: `bench-${run}-${++seq}` };
      sockets[k]!.emit('message:send', msg, (ack) => {
        if ('error' in ack) errors[ack.error.code] = (errors[ack.error.code] ?? 0) + 1;
      });
    }, 1000 / CHAT_RATE + k),
  );
  try {
    return await measure(`chat, ${label}`, servers, counter);
  } finally {
    if (Object.keys(errors).length) process.stdout.write(`  refused sends: ${JSON.stringify(errors)}\n`);
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.close();
  }
}

const median = (xs: number[]) => pct(xs, 50);

async function main() {
  // FerretDB keeps its SQLite files in memory (/dev/shm) when it can: the bench measures our servers, not this
  // machine's disk. (What slowed the chat rounds was FerretDB scanning the messages: see clearMessages.)
  const [redis, mongo] = await Promise.all([startRedis(), startMongo(existsSync('/dev/shm') ? { parentDir: '/dev/shm' } : {})]);
  // The servers inherit this environment: the single process must not join the Redis that REDIS_URL names.
  delete process.env.REDIS_URL;
  delete process.env.MONGODB_URI;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'collab-bench-cluster-'));
  // The servers run as `npm start` runs them: the production bundle (built here, under node_modules/.cache
  // so that its imports of packages resolve), NODE_ENV=production and start's node flags. --tsx runs
  // server/index.ts through tsx instead.
  let bundle: string | undefined;
  if (!TSX) {
    const outdir = path.resolve('node_modules/.cache/bench-cluster-server');
    execFileSync(process.execPath, ['scripts/build-server.mjs', '--outdir', outdir], { stdio: 'inherit' });
    bundle = path.join(outdir, 'index.js');
  }
  const base: Record<string, string> = { DATA_DIR: dataDir, SESSION_SECRET: 'bench-cluster-secret-0123456789abcdef-0123', LOG_LEVEL: 'info' };
  const nodeArgs = PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(PROF)}`] : [];
  // A profile is only written by a process that exits by itself (the server drains on SIGTERM).
  const kill: NodeJS.Signals = PROF ? 'SIGTERM' : 'SIGKILL';
  const spawned: ServerProcess[] = [];
  const start = async (env: Record<string, string>) => {
    const p = await spawnServerProcess({ ...base, ...(bundle ? { CLIENT_DIST_DIR: path.resolve('dist/client') } : {}), ...env }, nodeArgs, bundle ? { bundle } : {});
    spawned.push(p);
    return p;
  };
  try {
    process.stdout.write(`docs: writers ${WRITERS} x ${RATE}/s, readers ${READERS}; chat: ${CHAT_SOCKETS} sockets, ${CHAT_SENDERS} senders x ${CHAT_RATE}/s; ${DURATION / 1000} s measured, ${ROUNDS} rounds\n`);
    const soloDb = withDatabase(mongo.uri, `bench_single_${Date.now()}`);
    const one = [await start({ MONGODB_URI: soloDb })];
    const db = withDatabase(mongo.uri, `bench_cluster_${Date.now()}`);
    const two = [await start({ MONGODB_URI: db, REDIS_URL: redis.url }), await start({ MONGODB_URI: db, REDIS_URL: redis.url })];
    const [solo, pair] = await Promise.all([one, two].map(async (servers) => ({ servers, setup: await setUp(servers[0]!.url) })));
    const ratios: Record<string, { cpu: number[]; p99: number[] }> = { docs: { cpu: [], p99: [] }, chat: { cpu: [], p99: [] } };
    const compare = (what: string, a: Row, b: Row) => {
      ratios[what]!.cpu.push(b.cpuMsPer1k / a.cpuMsPer1k);
      ratios[what]!.p99.push(b.p99 / a.p99);
      process.stdout.write(`  ${what}: p99 ratio ${(b.p99 / a.p99).toFixed(2)}, CPU per delivery ratio ${(b.cpuMsPer1k / a.cpuMsPer1k).toFixed(2)}\n`);
    };
    // The fixed cost with nobody connected (Redis stream reads, leases, sweeps): it is spread over the
    // deliveries of a run, so at a light load it weighs on the per-delivery figures.
    const idle = async (servers: ServerProcess[]) => {
      await new Promise((res) => setTimeout(res, 3_000)); // start-up work (compilation, first sweeps) settles
      const before = servers.map((x) => cpuSplit(x.proc.pid!));
      await new Promise((res) => setTimeout(res, 5_000));
      return servers.map((x, i) => {
        const now = cpuSplit(x.proc.pid!);
        return +((now.user + now.sys - before[i]!.user - before[i]!.sys) / 5).toFixed(1);
      });
    };
    const [idleOne, idleTwo] = [await idle(one), await idle(two)];
    process.stdout.write(`idle CPU, ms per second: single ${idleOne.join(' + ')}, two processes ${idleTwo.join(' + ')}\n`);
    // Rounds alternate which mode goes first (whatever the machine does over a round weighs on both alike);
    // the warm-up rounds (JIT compilation, first store writes of each server) are measured but not counted.
    const pairOf = async <T,>(first: 'single' | 'two', a: () => Promise<T>, b: () => Promise<T>): Promise<[T, T]> => {
      if (first === 'single') {
        const x = await a();
        return [x, await b()];
      }
      const y = await b();
      return [await a(), y];
    };
    for (let r = 1 - WARMUP_ROUNDS; r <= ROUNDS; r++) {
      const first = r % 2 === 1 ? 'single' : 'two';
      process.stdout.write(r < 1 ? `warm-up round (not counted)\n` : `round ${r} (${first === 'single' ? 'single process' : 'two processes'} first)\n`);
      const count = (what: string, [a, b]: [Row, Row]) => (r < 1 ? undefined : compare(what, a, b));
      if (ONLY !== 'chat') count('docs', await pairOf(first, () => docsRun('single process', one, solo!.setup.fac), () => docsRun('two processes', two, pair!.setup.fac)));
      if (ONLY !== 'docs') count('chat', await pairOf(first, () => chatRun('single process', one, solo!.setup, soloDb), () => chatRun('two processes', two, pair!.setup, db)));
    }
    for (const [what, r] of Object.entries(ratios)) {
      if (!r.cpu.length) continue;
      process.stdout.write(`${what}: median p99 ratio ${median(r.p99).toFixed(2)} (target <= 2), median CPU per delivery ratio ${median(r.cpu).toFixed(2)} (target <= 1.3)\n`);
    }
  } finally {
    await Promise.all(spawned.map((p) => p.stop(kill)));
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
