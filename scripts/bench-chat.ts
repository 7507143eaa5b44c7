/**
 * Chat fan-out benchmark: one channel, M connected members, S of them sending 1 message per second.
 *
 * Usage:
 *   npm run bench -- chat [--members 10,100,1000] [--senders 30] [--rate 1] [--duration 10] [--warmup 3] [--json]
 *   e.g. npm run bench -- chat --members 1000 --senders 30 --duration 20
 *
 * Method. The real app (createApp with the chat feature and its default limits: auth at the handshake,
 * zod validation, membership check, the message written to the embedded store before the ack and the
 * broadcast) runs in THIS process on 127.0.0.1:0, so process.cpuUsage() here is the server's CPU. Users,
 * the space and sessions are seeded straight into the store (password hashing would only slow the
 * setup). The load runs in a child process (this file with --role load): M stock socket.io-client
 * connections (websocket transport), each joined to the space; S of them (default min(30, M)) send
 * `rate` messages per second with their send time in the text. Every connection, senders included,
 * counts each `message:new` it receives and its delivery latency (send -> arrival, one clock: same
 * process). Reported per M: deliveries per second, delivery p50/p99/max, ack p50/p99 (stored), server CPU
 * ms per 1,000 deliveries and server CPU % of one core, over the measured window after a warm-up.
 * Loopback traffic only; each phase has a time limit.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const f: Record<string, string> = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (a === '--help' || a === '-h') f.help = '1';
  else if (a.startsWith('--')) {
    const [k, v] = a.slice(2).split('=');
    if (v !== undefined) f[k!] = v;
    else if (argv[i + 1] && !argv[i + 1]!.startsWith('--')) f[k!] = argv[++i]!;
    else f[k!] = '1';
  }
}
const num = (k: string, d: number) => (f[k] !== undefined ? Number(f[k]) : d);

interface LoadConfig {
  url: string;
  spaceId: string;
  channelId: string;
  cookies: string[];
  senders: number;
  rate: number;
  warmup: number;
  duration: number;
}

interface LoadResult {
  deliveries: number;
  seconds: number;
  latency: { p50: number; p99: number; max: number };
  ack: { p50: number; p99: number };
  sent: number;
  errors: Record<string, number>;
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

// ---------------------------------------------------------------------------------------------------
// Load side (child process): connections, senders, measurements.
// ---------------------------------------------------------------------------------------------------
async function load(cfg: LoadConfig): Promise<LoadResult> {
  const { io } = await import('socket.io-client');
  const sockets: import('socket.io-client').Socket[] = [];
  let measuring = false;
  let deliveries = 0;
  const latencies: number[] = [];
  const acks: number[] = [];
  const errors: Record<string, number> = {};
  let sent = 0;

  // Connect in batches so the handshake storm does not time out.
  for (let i = 0; i < cfg.cookies.length; i += 50) {
    await Promise.all(
      cfg.cookies.slice(i, i + 50).map(
        (cookie) =>
          new Promise<void>((resolve, reject) => {
            const s = io(cfg.url, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false, forceNew: true });
            const t = setTimeout(() => reject(new Error('connect timeout')), 20_000);
            s.once('connect', () => {
              s.emit('space:join', { spaceId: cfg.spaceId }, (ack: { error?: { code: string } }) => {
                clearTimeout(t);
                if (ack.error) return reject(new Error(ack.error.code));
                resolve();
              });
            });
            s.once('connect_error', (e) => reject(e));
            s.on('message:new', ({ message }: { message: { text: string } }) => {
              if (!measuring) return;
              deliveries++;
              const at = Number(message.text.slice(message.text.lastIndexOf(' ') + 1));
              // Sample latency (every delivery would be 300k+ numbers at 1,000 members).
              if (deliveries % 7 === 0 || cfg.cookies.length <= 100) latencies.push(Date.now() - at);
            });
            sockets.push(s);
          }),
      ),
    );
  }

  const senders = sockets.slice(0, cfg.senders);
  const timers: NodeJS.Timeout[] = [];
  let seq = 0;
  senders.forEach((s, i) => {
    // Spread the senders over the period so they do not fire in lock-step.
    const period = 1000 / cfg.rate;
    const start = setTimeout(() => {
      timers.push(
        setInterval(() => {
          const t0 = Date.now();
          const mine = measuring;
          s.emit('message:send', { channelId: cfg.channelId, text: `bench ${i} ${seq} ${t0}`, clientMsgId: `bench-${process.pid}-${i}-${++seq}` }, (ack: { error?: { code: string } }) => {
            if (ack.error) errors[ack.error.code] = (errors[ack.error.code] ?? 0) + 1;
            else if (mine) acks.push(Date.now() - t0);
          });
          if (mine) sent++;
        }, period),
      );
    }, (period * i) / Math.max(1, senders.length));
    timers.push(start);
  });

  await new Promise((r) => setTimeout(r, cfg.warmup * 1000));
  process.send?.({ type: 'measure-start' });
  measuring = true;
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, cfg.duration * 1000));
  measuring = false;
  const seconds = (Date.now() - t0) / 1000;
  process.send?.({ type: 'measure-end' });
  for (const t of timers) clearInterval(t);
  await new Promise((r) => setTimeout(r, 500));
  for (const s of sockets) s.close();
  return {
    deliveries,
    seconds,
    latency: { p50: pct(latencies, 50), p99: pct(latencies, 99), max: Math.max(...latencies) },
    ack: { p50: pct(acks, 50), p99: pct(acks, 99) },
    sent,
    errors,
  };
}

// ---------------------------------------------------------------------------------------------------
// Server side (this process).
// ---------------------------------------------------------------------------------------------------
async function scenario(members: number, opts: { senders: number; rate: number; warmup: number; duration: number }) {
  const { createApp } = await import('../server/app');
  const { createChatFeature } = await import('../server/chat/feature');
  const { createChatRepo } = await import('../server/chat/records');
  const { createSpace } = await import('../server/commands/spaces');
  const { loadConfig } = await import('../server/config');
  const { newId } = await import('../server/ids');
  const { createLogger } = await import('../server/logger');
  const { openEmbeddedStore } = await import('../server/store/embedded');

  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-chat-'));
  const config = loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir, LOG_LEVEL: 'silent', SESSION_SECRET: 'b'.repeat(48) });
  const store = await openEmbeddedStore(dataDir);
  const app = await createApp({ config, store, logger: createLogger('silent'), features: [createChatFeature()] });
  await new Promise<void>((r) => app.server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  try {
    const { ctx } = app;
    const now = new Date();
    const users = Array.from({ length: members }, (_, i) => ({ _id: newId(), email: `bench${i}.${Date.now()}@bench.test`, name: `Teacher ${i}`, passwordHash: 'x', createdAt: now }));
    await store.collection('users').insertMany(users);
    const space = await createSpace(ctx, users[0]!._id, { name: 'Bench PLC', kind: 'plc' });
    await store.collection('memberships').insertMany(users.slice(1).map((u) => ({ _id: newId(), spaceId: space._id, userId: u._id, role: 'member', joinedAt: now })));
    const channelId = (await createChatRepo(store).channels.ofSpace(space._id))[0]!._id;
    const cookies: string[] = [];
    for (const u of users) cookies.push(`collab_sid=${(await ctx.logins.create(u._id)).token}`);

    const cfg: LoadConfig = { url, spaceId: space._id, channelId, cookies, senders: Math.min(opts.senders, members), rate: opts.rate, warmup: opts.warmup, duration: opts.duration };
    const child = fork(fileURLToPath(import.meta.url), ['--role', 'load'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let cpu0 = process.cpuUsage();
    let cpuMs = 0;
    const result = await new Promise<LoadResult>((resolve, reject) => {
      const limit = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('load process timed out'));
      }, (opts.warmup + opts.duration + 120) * 1000);
      child.on('message', (m: { type: string; result?: LoadResult; error?: string }) => {
        if (m.type === 'measure-start') cpu0 = process.cpuUsage();
        else if (m.type === 'measure-end') {
          const d = process.cpuUsage(cpu0);
          cpuMs = (d.user + d.system) / 1000;
        } else if (m.type === 'result') {
          clearTimeout(limit);
          resolve(m.result!);
        } else if (m.type === 'error') {
          clearTimeout(limit);
          reject(new Error(m.error));
        }
      });
      child.send({ type: 'start', cfg });
    });
    child.kill();
    const perSec = result.deliveries / result.seconds;
    return {
      members,
      senders: cfg.senders,
      deliveriesPerSec: Math.round(perSec),
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
      ackP50: result.ack.p50,
      ackP99: result.ack.p99,
      cpuMsPer1k: round(cpuMs / (result.deliveries / 1000), 2),
      cpuPct: round((cpuMs / (result.seconds * 1000)) * 100, 1),
      sent: result.sent,
      errors: result.errors,
    };
  } finally {
    app.server.close();
    await app.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  if (f.help) {
    console.log('see the usage header of scripts/bench-chat.ts');
    return;
  }
  if (f.role === 'load') {
    process.on('message', async (m: { type: string; cfg: LoadConfig }) => {
      if (m.type !== 'start') return;
      try {
        process.send!({ type: 'result', result: await load(m.cfg) });
      } catch (err) {
        process.send!({ type: 'error', error: String((err as Error).message) });
      }
      setTimeout(() => process.exit(0), 200);
    });
    return;
  }
  const list = (f.members ?? '10,100,1000').split(',').map(Number);
  const opts = { senders: num('senders', 30), rate: num('rate', 1), warmup: num('warmup', 3), duration: num('duration', 10) };
  const rows = [];
  for (const m of list) {
    const r = await scenario(m, opts);
    rows.push(r);
    if (!f.json) {
      console.log(
        `members ${r.members} senders ${r.senders}: ${r.deliveriesPerSec} deliveries/s, latency p50 ${r.p50} ms p99 ${r.p99} ms max ${r.max} ms, ` +
          `stored ack p50 ${r.ackP50} ms p99 ${r.ackP99} ms, server CPU ${r.cpuMsPer1k} ms/1k deliveries (${r.cpuPct}% of a core)` +
          (Object.keys(r.errors).length ? `, errors ${JSON.stringify(r.errors)}` : ''),
      );
    }
  }
  if (f.json) console.log(JSON.stringify(rows, null, 2));
  process.exit(0);
}

void main();
