/**
 * Store benchmark: a school year of data in the embedded (SQLite) store, then the real server opened on it.
 *
 * Usage:
 *   npm run bench -- store [--docs 1000] [--versions 30] [--messages 100000] [--channels 20]
 *                          [--state-kb 8] [--opens 100] [--json] [--keep] [--data DIR] [--tsx]
 *   --keep: leave the data dir; --data DIR: measure a kept data dir again (same --docs/--versions/
 *   --channels as it was built with), skipping the build; --tsx: also measure the server under tsx.
 *
 * Method. Build: the real server runs on a temp DATA_DIR only to sign up one teacher and create a space
 * with `channels` channels through the HTTP API; then `docs` documents, each with a growing Yjs
 * state of about `state-kb` KB saved as `versions` versions (metadata + state chunks) plus its current
 * snapshot, and `messages` messages spread over the channels, are written through the storage port
 * (group-committed), through the repositories that lay them out. Measure: the real server starts as a
 * separate process on that DATA_DIR exactly as `npm start` runs it: the production bundle of
 * scripts/build-server.mjs, run by `node` with the flags of package.json's `start` script (read from
 * it). Its RSS (VmRSS) is read after start, then `opens` documents never opened before are opened cold
 * like the stock client (y-websocket sync step 1 with an empty state vector; time to sync step 2), then
 * one old version of each of them is fetched (GET /api/docs/:id/versions/:id) and the latest history page
 * of every channel (GET .../messages), and RSS and peak RSS (VmHWM) are read again. With --tsx the same
 * again with the server run from TypeScript by tsx (the TypeScript loader costs about 40 MB).
 * Targets (issue 12): peak RSS < 150 MB, cold open p95 < 300 ms.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import type { VersionRecord } from '../server/docs/records';
import { messageSync } from '../shared/collab';

const argv = process.argv.slice(2);
const option = (k: string) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const flag = (k: string, d: number) => (option(k) ? Number(option(k)) : d);
if (argv.includes('--help')) {
  process.stdout.write('see the usage header of scripts/bench-store.ts\n');
  process.exit(0);
}
const cfg = { docs: flag('docs', 1000), versions: flag('versions', 30), messages: flag('messages', 100_000), channels: flag('channels', 20), stateKb: flag('state-kb', 8), opens: flag('opens', 100) };
const SECRET = 's'.repeat(40);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10 : NaN;
};

async function api(base: string, cookie: string, method: string, url: string, body?: unknown) {
  const res = await fetch(base + url, { method, headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('collab_sid='));
  const json = (await res.json().catch(() => null)) as any;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return { json, cookie: setCookie ? setCookie.split(';')[0]! : cookie };
}

const BENCH_USER = { email: 'bench@school.test', password: 'bench password 1', name: 'Bench Teacher' };
const docIdOf = (d: number) => `doc${String(d).padStart(5, '0')}`;
const versionIdOf = (docId: string) => `${docId}v${Math.floor(cfg.versions / 2)}`;

/** Logs in to a data dir built before (--data); returns what the measuring phase needs. */
async function reuse(dataDir: string) {
  const setup = await startServer(dataDir);
  const { cookie } = await api(setup.base, '', 'POST', '/api/auth/login', { email: BENCH_USER.email, password: BENCH_USER.password });
  const spaceId = ((await api(setup.base, cookie, 'GET', '/api/spaces')).json.spaces as { id: string }[])[0]!.id;
  const channels = ((await api(setup.base, cookie, 'GET', `/api/spaces/${spaceId}/channels`)).json.channels as { id: string }[]).map((c) => c.id);
  await stopServer(setup.proc);
  const docIds = Array.from({ length: cfg.docs }, (_, d) => docIdOf(d));
  return { cookie, docIds, versionOf: new Map(docIds.map((id) => [id, versionIdOf(id)])), channels, buildMs: 0 };
}

const stopServer = (proc: ChildProcess) => new Promise((resolve) => (proc.once('exit', resolve), proc.kill('SIGTERM')));

/** Builds the data set; returns what the measuring phase needs. */
async function build(dataDir: string) {
  // Accounts, space and channels through the real server's API (so they are exactly what users make).
  const setup = await startServer(dataDir);
  const base = setup.base;
  const signup = await api(base, '', 'POST', '/api/auth/signup', BENCH_USER);
  const cookie = signup.cookie;
  const userId = signup.json.user.id as string;
  const spaceId = (await api(base, cookie, 'POST', '/api/spaces', { name: 'District year', kind: 'plc' })).json.space.id as string;
  for (let i = 1; i < cfg.channels; i++) await api(base, cookie, 'POST', `/api/spaces/${spaceId}/channels`, { name: `channel-${i}` });
  const channels = ((await api(base, cookie, 'GET', `/api/spaces/${spaceId}/channels`)).json.channels as { id: string }[]).map((c) => c.id);
  await stopServer(setup.proc);
  // The year's records straight through the storage port, as the repositories lay them out.
  const { openEmbeddedStore } = await import('../server/store/embedded');
  const { createUpdateLog } = await import('../server/collab/updateLog');
  const { createVersionsRepo } = await import('../server/docs/records');
  const store = await openEmbeddedStore(dataDir);
  // States go through the repositories: they keep them in chunks (server/store/state-blobs.ts).
  const log = createUpdateLog(store, Date.now);
  const versionsRepo = createVersionsRepo(store);

  const t0 = Date.now();
  const year = Date.now() - 365 * 86_400_000;
  const line = 'Students compare ratios in tables, graphs and equations; exit tickets show understanding. ';
  const docIds: string[] = [];
  const versionOf = new Map<string, string>();
  for (let d = 0; d < cfg.docs; d++) {
    const docId = docIdOf(d);
    docIds.push(docId);
    const ydoc = new Y.Doc();
    const frag = ydoc.getXmlFragment('default');
    const perVersion = Math.max(1, Math.round((cfg.stateKb * 1024) / cfg.versions / line.length));
    const versions: { v: VersionRecord; state: Uint8Array }[] = [];
    for (let v = 0; v < cfg.versions; v++) {
      ydoc.transact(() => {
        for (let k = 0; k < perVersion; k++) {
          const p = new Y.XmlElement('paragraph');
          p.insert(0, [new Y.XmlText(`${d}.${v}.${k} ${line}`)]);
          frag.insert(frag.length, [p]);
        }
      });
      const state = Y.encodeStateAsUpdate(ydoc);
      const id = `${docId}v${v}`;
      const at = new Date(year + d * 1000 + v * 3_600_000);
      versions.push({ v: { _id: id, docId, name: v % 5 === 0 ? `Draft ${v}` : '', kind: v % 5 === 0 ? 'named' : 'auto', stateVector: Y.encodeStateVector(ydoc), size: state.byteLength, createdBy: userId, createdAt: at }, state });
    }
    versionOf.set(docId, versionIdOf(docId));
    const at = new Date(year + d * 1000);
    await Promise.all([
      store.collection<any>('docs').insertOne({ _id: docId, spaceId, title: `Document ${d}`, template: 'lesson-plan', createdBy: userId, createdAt: at, updatedAt: at, archived: false }),
      log.compact(docId, cfg.versions, Y.encodeStateAsUpdate(ydoc)),
      ...versions.map(({ v, state }) => versionsRepo.insert(v, state)),
    ]);
    ydoc.destroy();
  }
  const words = ['ratio', 'unit', 'rate', 'table', 'graph', 'exit', 'ticket', 'reteach', 'group', 'data'];
  for (let start = 0; start < cfg.messages; start += 1000) {
    const batch = [];
    for (let i = start; i < Math.min(cfg.messages, start + 1000); i++) {
      const text = `Message ${i}: ${words[i % 10]} ${words[(i * 7) % 10]} and ${words[(i * 3) % 10]} for tomorrow`;
      batch.push({ _id: `${(year + i * 300).toString(36).padStart(9, '0')}${String(i).padStart(8, '0')}`, spaceId, channelId: channels[i % channels.length], seq: Math.floor(i / channels.length) + 1, authorId: userId, authorName: 'Bench Teacher', text, words: text.toLowerCase().split(/\W+/).filter(Boolean), mentions: [], parentId: null, clientMsgId: `bench-${i}`, createdAt: new Date(year + i * 300), editedAt: null, deletedAt: null, deletedBy: null, replyCount: 0, lastReplyAt: null, reactions: {} });
    }
    await store.collection('messages').insertMany(batch as never);
  }
  // As the current release leaves a store: the chat repair finds nothing to number and makes the unique
  // (channelId, seq) index. Left to the measured server's first start, building that index over 100,000
  // messages would add about 17 MB of SQLite sorter memory to its RSS (once, as at an upgrade).
  const { numberOldMessages } = await import('../server/chat/sequence');
  await numberOldMessages(store);
  await store.close();
  return { cookie, docIds, versionOf, channels, buildMs: Date.now() - t0 };
}

/** The node flags and entry of `npm start` (package.json: `... && node <flags> dist/server/index.js`). */
function startCommand(): { flags: string[]; entry: string } {
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
  const m = /\bnode((?:\s+--?[\w-]+(?:=\S+)?)*)\s+(\S+\.js)\s*$/.exec(start);
  if (!m) throw new Error(`cannot read the node command of the start script: ${start}`);
  return { flags: m[1]!.trim().split(/\s+/).filter(Boolean), entry: m[2]! };
}

/** Starts the real server on `dataDir`: `node <flags> <entry>` (as `npm start`), or under tsx without `run`. */
function startServer(dataDir: string, run?: { flags: string[]; entry: string }): Promise<{ proc: ChildProcess; base: string }> {
  const args = run ? [...run.flags, run.entry] : ['--import', 'tsx', 'server/index.ts'];
  const proc = spawn(process.execPath, args, { env: { ...process.env, NODE_ENV: 'production', SESSION_SECRET: SECRET, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', MONGODB_URI: '', CLIENT_DIST_DIR: path.resolve('dist/client') }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"port":(\d+)/.exec(out);
      if (m) resolve({ proc, base: `http://127.0.0.1:${m[1]}` });
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

const memory = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
};

/** Opens `docId` like the stock client; resolves with the time to sync step 2. */
function coldOpen(base: string, cookie: string, docId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const ws = new WebSocket(`${base.replace('http', 'ws')}/yjs/${docId}`, { headers: { cookie } });
    ws.binaryType = 'arraybuffer';
    const timer = setTimeout(() => (ws.terminate(), reject(new Error(`open ${docId} timed out`))), 10_000);
    ws.on('open', () => {
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, messageSync);
      encoding.writeVarUint(enc, 0); // sync step 1
      encoding.writeVarUint8Array(enc, Y.encodeStateVector(new Y.Doc()));
      ws.send(encoding.toUint8Array(enc));
    });
    ws.on('message', (data: ArrayBuffer) => {
      const dec = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(dec) !== messageSync || decoding.readVarUint(dec) !== 1) return; // wait for step 2
      clearTimeout(timer);
      const ms = performance.now() - t;
      ws.close();
      resolve(ms);
    });
    ws.on('error', reject);
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const kept = option('data');
const dataDir = kept ? path.resolve(kept) : mkdtempSync(path.join(tmpdir(), 'bench-store-'));
// Inside the project (gitignored dist/), so the bundle's imports resolve to node_modules.
const outdir = path.resolve(`dist/bench-store-server-${process.pid}`);
try {
  const built = kept ? await reuse(dataDir) : await build(dataDir);
  const dbBytes = ['collaboratory.sqlite', 'collaboratory.sqlite-wal'].reduce((n, f) => n + (statSync(path.join(dataDir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
  const sample = built.docIds.filter((_, i) => i % Math.max(1, Math.floor(built.docIds.length / cfg.opens)) === 0).slice(0, cfg.opens);
  // The production bundle, built by the same script as `npm start` (into a directory of its own), run
  // with the same node flags. Each start is a new process: every document open is cold.
  execFileSync(process.execPath, ['scripts/build-server.mjs', '--outdir', outdir], { stdio: 'inherit' });
  const start = startCommand();
  const runs: Record<string, unknown> = {};
  for (const runner of argv.includes('--tsx') ? (['start', 'tsx'] as const) : (['start'] as const)) {
    const { proc, base } = await startServer(dataDir, runner === 'start' ? { flags: start.flags, entry: path.join(outdir, 'index.js') } : undefined);
    await new Promise((r) => setTimeout(r, 1000));
    const atStart = memory(proc.pid!);
    const opens: number[] = [];
    for (const id of sample) opens.push(await coldOpen(base, built.cookie, id));
    const versions: number[] = [];
    for (const id of sample) versions.push(await timed(() => api(base, built.cookie, 'GET', `/api/docs/${id}/versions/${built.versionOf.get(id)}`)));
    const pages: number[] = [];
    for (const ch of built.channels) pages.push(await timed(() => api(base, built.cookie, 'GET', `/api/channels/${ch}/messages`)));
    const after = memory(proc.pid!);
    await stopServer(proc);
    runs[runner === 'start' ? `npm start (node ${start.flags.join(' ')})` : 'tsx'] = {
      rssAtStartMb: atStart.rssMb,
      rssAfterMb: after.rssMb,
      peakRssMb: after.peakMb,
      coldOpenMs: { p50: pct(opens, 50), p95: pct(opens, 95), max: pct(opens, 100) },
      oldVersionMs: { p50: pct(versions, 50), p95: pct(versions, 95), max: pct(versions, 100) },
      historyPageMs: { p50: pct(pages, 50), p95: pct(pages, 95), max: pct(pages, 100) },
      targets: { peakRssUnder150Mb: after.peakMb < 150, coldOpenP95Under300Ms: pct(opens, 95) < 300 },
    };
  }
  const result = { config: cfg, buildSeconds: Math.round(built.buildMs / 100) / 10, databaseMb: Math.round(dbBytes / 1048576), ...runs };
  process.stdout.write(argv.includes('--json') ? `${JSON.stringify(result)}\n` : `store benchmark\n${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
  // A data dir given with --data is the caller's to keep.
  if (!kept && argv.includes('--keep')) process.stdout.write(`data kept in ${dataDir}\n`);
  else if (!kept) rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);
