/**
 * Collab benchmark: one busy document, then cold opens of a large document.
 *
 * Usage:
 *   npm run bench -- collab [--writers 10] [--readers 20] [--rate 5] [--duration 10] [--warmup 2]
 *                           [--docs 1] [--doc-mb 1] [--cold-runs 5] [--json]
 *                           [--server collaboratory|ywebsocket|hocuspocus|all]
 *   e.g. npm run bench -- collab --writers 50 --readers 100 --duration 20
 *        npm run bench -- collab --writers 50 --readers 100 --server all   (side by side, same machine, same load)
 *        npm run bench -- collab --docs 1000 --writers 3 --readers 0     (writers/readers are per document)
 *
 * Method. The real app (createApp with every feature, embedded store in a temp dir, durable writes on)
 * runs in THIS process on 127.0.0.1:0, so process.cpuUsage() here is the server's CPU. The load runs
 * in a child process (this file with --role load): raw `ws` clients speaking the y-websocket protocol,
 * all in one document. Each writer types `rate` keystrokes per second (one small Yjs update each, a
 * marker `@w.n#` inserted into its own Y.Text) and asks for saved acknowledgements (`?saved=1`); every
 * other connection (readers and the other writers) scans what it receives for markers. Reported:
 * keystroke-to-peer latency p50/p95/p99 over every delivery, saved-ack latency, server CPU ms per 1,000
 * deliveries, server RSS and event-loop delay. Then the app restarts on the same data dir and each of
 * `cold-runs` documents of `doc-mb` MB is opened cold (room not in memory): time from connect to the
 * client holding the whole document. Loopback traffic only; every phase is bounded in time.
 *
 * `--server ywebsocket|hocuspocus` runs the same load against the reference y-websocket server or
 * Hocuspocus 4.7 instead (scripts/bench-reference.ts; memory only, no saved acks, no cold phase);
 * `--server all` runs the three one after the other, each in its own process, and prints them side by side.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { messageSaved, messageSync } from '../shared/collab';
import { hocuspocusAuth, hocuspocusFrame, startHocuspocus, startYWebsocket, type ServerKind } from './bench-reference';

const HELP = `see the usage header of scripts/bench-collab.ts`;

function flags(argv: string[]) {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') out.help = '1';
    else if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=');
      if (v !== undefined) out[k!] = v;
      else if (argv[i + 1] && !argv[i + 1]!.startsWith('--')) out[k!] = argv[++i]!;
      else out[k!] = '1';
    }
  }
  return out;
}

const f = flags(process.argv.slice(2));
const num = (k: string, d: number) => (f[k] !== undefined ? Number(f[k]) : d);
const cfg = {
  writers: num('writers', 10),
  readers: num('readers', 20),
  rate: num('rate', 5),
  duration: num('duration', 10),
  warmup: num('warmup', 2),
  docs: num('docs', 1),
  docMb: num('doc-mb', 1),
  coldRuns: num('cold-runs', 5),
  server: (f.server ?? 'collaboratory') as ServerKind | 'all',
};

function pct(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
const r1 = (n: number) => Math.round(n * 10) / 10;

// ---------------------------------------------------------------------------------------------------
// Load role (child process): writers and readers.
// ---------------------------------------------------------------------------------------------------

async function loadRole() {
  const url = f.url!;
  const cookie = f.cookie!;
  const docIds = f.doc!.split(',');
  const headers = { cookie };
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const ackLatencies: number[] = [];
  let measuring = false;
  let deliveries = 0;
  let readerDeliveries = 0;
  const marker = /@(\d+)\.(\d+)#/g;

  const proto = cfg.server;
  function open(docId: string, saved: boolean): Promise<WebSocket> {
    const target = proto === 'hocuspocus' ? url : proto === 'ywebsocket' ? `${url}/${docId}` : `${url}/yjs/${docId}${saved ? '?saved=1' : ''}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(target, { headers, perMessageDeflate: false });
      ws.binaryType = 'nodebuffer';
      ws.once('open', () => {
        if (proto === 'hocuspocus') ws.send(hocuspocusAuth(docId));
        resolve(ws);
      });
      ws.once('error', reject);
    });
  }
  /** Whether a received message may carry updates (the reference servers' frames are scanned whole). */
  const maybeUpdate = (data: Buffer) => proto !== 'collaboratory' || data[0] === messageSync;

  /** Scans an incoming update for markers and records their latency. */
  function onUpdateBytes(buf: Buffer, self: number) {
    const s = buf.toString('latin1');
    const now = performance.now();
    marker.lastIndex = 0;
    for (let m = marker.exec(s); m; m = marker.exec(s)) {
      if (Number(m[1]) === self) continue;
      const t = sentAt.get(`${m[1]}.${m[2]}`);
      if (t === undefined || !measuring) continue;
      latencies.push(now - t);
      deliveries++;
      if (self === -1) readerDeliveries++;
    }
  }

  interface Writer {
    idx: number;
    ws: WebSocket;
    doc: Y.Doc;
    seq: number;
    /** Keystrokes awaiting a saved ack: [clock after the keystroke, sent at, measured?]. */
    pending: [number, number, boolean][];
  }

  const writers: Writer[] = [];
  const readers: WebSocket[] = [];
  async function openWriter(docId: string, i: number) {
    const ws = await open(docId, true);
    const doc = new Y.Doc();
    const w: Writer = { idx: i, ws, doc, seq: 0, pending: [] };
    doc.on('update', (update: Uint8Array) => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, messageSync);
      encoding.writeVarUint(e, 2);
      encoding.writeVarUint8Array(e, update);
      ws.send(proto === 'hocuspocus' ? hocuspocusFrame(docId, encoding.toUint8Array(e)) : encoding.toUint8Array(e));
    });
    ws.on('message', (data: Buffer) => {
      const type = data[0];
      if (maybeUpdate(data)) onUpdateBytes(data, i);
      else if (type === messageSaved) {
        const dec = decoding.createDecoder(data);
        decoding.readVarUint(dec);
        const sv = Y.decodeStateVector(decoding.readVarUint8Array(dec));
        const clock = sv.get(doc.clientID) ?? 0;
        const now = performance.now();
        while (w.pending.length && w.pending[0]![0] <= clock) {
          const [, t, m] = w.pending.shift()!;
          if (m) ackLatencies.push(now - t);
        }
      }
    });
    writers.push(w);
  }
  async function openReader(docId: string) {
    const ws = await open(docId, false);
    ws.on('message', (data: Buffer) => {
      if (maybeUpdate(data)) onUpdateBytes(data, -1);
    });
    readers.push(ws);
  }
  // Every document gets its writers and readers; documents connect a few dozen at a time.
  for (let d0 = 0; d0 < docIds.length; d0 += 50) {
    await Promise.all(
      docIds.slice(d0, d0 + 50).map(async (docId, k) => {
        const d = d0 + k;
        for (let i = 0; i < cfg.writers; i++) await openWriter(docId, d * cfg.writers + i);
        for (let i = 0; i < cfg.readers; i++) await openReader(docId);
      }),
    );
  }

  const interval = 1000 / cfg.rate;
  const timers: NodeJS.Timeout[] = [];
  for (const w of writers) {
    const text = w.doc.getText('bench');
    const tick = () => {
      const key = `${w.idx}.${++w.seq}`;
      const t = performance.now();
      sentAt.set(key, t);
      text.insert(text.length, `@${key}#`);
      w.pending.push([Y.getState(w.doc.store, w.doc.clientID), t, measuring]);
    };
    // Spread writers evenly over one interval so keystrokes do not arrive in lockstep.
    timers.push(
      setTimeout(() => {
        tick();
        timers.push(setInterval(tick, interval));
      }, Math.random() * interval),
    );
  }

  const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
  await new Promise((r) => setTimeout(r, cfg.warmup * 1000));
  measuring = true;
  say({ event: 'measure-start' });
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, cfg.duration * 1000));
  const cpu = process.cpuUsage(cpu0);
  say({ event: 'measure-end' });
  // Stop typing; keystrokes sent while measuring are still counted as they arrive.
  for (const t of timers) clearTimeout(t);
  await new Promise((r) => setTimeout(r, 1000));
  measuring = false;
  const lat = Float64Array.from(latencies).sort();
  const ack = Float64Array.from(ackLatencies).sort();
  say({
    event: 'result',
    deliveries,
    readerDeliveries,
    loadCpuPct: ((cpu.user + cpu.system) / 1000 / (cfg.duration * 1000)) * 100,
    keystrokes: writers.reduce((n, w) => n + w.seq, 0),
    latency: { p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), max: lat.length ? lat[lat.length - 1] : NaN },
    savedAck: { count: ack.length, p50: pct(ack, 50), p95: pct(ack, 95), p99: pct(ack, 99) },
  });
  for (const w of writers) w.ws.terminate();
  for (const ws of readers) ws.terminate();
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------------
// Server role (this process): the real app, the busy-document phase, then cold loads.
// ---------------------------------------------------------------------------------------------------

async function startApp(dataDir: string) {
  const { createApp } = await import('../server/app');
  const { loadConfig } = await import('../server/config');
  const { createLogger } = await import('../server/logger');
  const { openEmbeddedStore } = await import('../server/store/embedded');
  const { createLimiter } = await import('../server/http/rate-limit');
  const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'b'.repeat(40), DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const store = await openEmbeddedStore(dataDir);
  // One bench user creates many documents: lift the per-user write limit (HTTP setup only).
  const app = await createApp({ config, store, logger: createLogger('warn'), rateLimits: { writesPerUser: createLimiter(1_000_000, 60) } });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const port = (app.server.address() as AddressInfo).port;
  return {
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    async close() {
      app.server.close();
      await app.close();
      await store.close();
    },
  };
}

async function api(base: string, cookie: string, method: string, url: string, body?: unknown) {
  const res = await fetch(base + url, {
    method,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('collab_sid='));
  const json = (await res.json().catch(() => null)) as any;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return { json, cookie: setCookie ? setCookie.split(';')[0]! : cookie };
}

/**
 * Builds a rich-text document of about `mb` megabytes (paragraphs in the `default` fragment), as a
 * list of updates of about 1 MB each so every message stays under the server's size limit.
 */
function bigDocUpdates(mb: number): Uint8Array[] {
  const d = new Y.Doc();
  const frag = d.getXmlFragment('default');
  const line = 'Students compare ratios in tables, graphs and equations; evidence of understanding comes from exit tickets. ';
  const target = mb * 1024 * 1024;
  const chunks: Uint8Array[] = [];
  let n = 0;
  let size = 0;
  while (size < target) {
    const before = Y.encodeStateVector(d);
    let chunk: Uint8Array = new Uint8Array(0);
    while (chunk.length < Math.min(1024 * 1024, target - size)) {
      d.transact(() => {
        const batch: Y.XmlElement[] = [];
        for (let i = 0; i < 500; i++) {
          const p = new Y.XmlElement('paragraph');
          p.insert(0, [new Y.XmlText(`${n++}. ${line}`)]);
          batch.push(p);
        }
        frag.insert(frag.length, batch);
      });
      chunk = Y.encodeStateAsUpdate(d, before);
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return chunks;
}

/** Uploads `updates` over the protocol and resolves once a saved ack covers them all. */
function upload(wsUrl: string, cookie: string, docId: string, updates: Uint8Array[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsUrl}/yjs/${docId}?saved=1`, { headers: { cookie }, perMessageDeflate: false });
    const want = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(Y.mergeUpdates(updates)));
    const timer = setTimeout(() => reject(new Error('upload not acknowledged in 60 s')), 60_000);
    ws.on('open', () => {
      for (const update of updates) {
        const e = encoding.createEncoder();
        encoding.writeVarUint(e, messageSync);
        encoding.writeVarUint(e, 2);
        encoding.writeVarUint8Array(e, update);
        ws.send(encoding.toUint8Array(e));
      }
    });
    ws.on('message', (data: Buffer) => {
      if (data[0] !== messageSaved) return;
      const dec = decoding.createDecoder(data);
      decoding.readVarUint(dec);
      const sv = Y.decodeStateVector(decoding.readVarUint8Array(dec));
      for (const [c, k] of want) if ((sv.get(c) ?? 0) < k) return;
      clearTimeout(timer);
      ws.close();
      resolve();
    });
    ws.on('error', reject);
    ws.on('close', (code) => {
      if (code !== 1005 && code !== 1000) reject(new Error(`upload closed with ${code}`));
    });
  });
}

/** Opens a document cold like the stock client would (sync step 1, wait for step 2); returns ms. */
function coldOpen(wsUrl: string, cookie: string, docId: string): Promise<{ ms: number; received: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const ws = new WebSocket(`${wsUrl}/yjs/${docId}`, { headers: { cookie }, perMessageDeflate: false });
    const doc = new Y.Doc();
    const timer = setTimeout(() => reject(new Error('cold open took over 60 s')), 60_000);
    ws.on('open', () => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, messageSync);
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint8Array(e, Y.encodeStateVector(doc));
      ws.send(encoding.toUint8Array(e));
    });
    ws.on('message', (data: Buffer) => {
      const dec = decoding.createDecoder(data);
      if (decoding.readVarUint(dec) !== messageSync) return;
      if (decoding.readVarUint(dec) !== 1) return; // wait for sync step 2
      const update = decoding.readVarUint8Array(dec);
      const received = performance.now() - t0;
      Y.applyUpdate(doc, update);
      const ms = performance.now() - t0;
      clearTimeout(timer);
      ws.close();
      doc.destroy();
      resolve({ ms, received, bytes: update.length });
    });
    ws.on('error', reject);
  });
}

/** Runs this file in another role and resolves with the JSON object on its last stdout line. */
function runChild(args: string[], boundMs: number): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const bound = setTimeout(() => child.kill('SIGKILL'), boundMs);
    child.on('exit', (code) => {
      clearTimeout(bound);
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        if (code === 0) return resolve(JSON.parse(last));
      } catch {
        /* fall through */
      }
      reject(new Error(`child ${args[1]} exited with ${code}: ${out}`));
    });
  });
}

/** Cold role (child process): opens each document once, one after the other. */
async function coldRole() {
  const ids = f.docs!.split(',');
  const all: number[] = [];
  const recv: number[] = [];
  let bytes = 0;
  for (const id of ids) {
    // Settle between runs so one run's garbage is not collected during the next.
    await new Promise((r) => setTimeout(r, 200));
    const r = await coldOpen(f.url!, f.cookie!, id);
    all.push(r.ms);
    recv.push(r.received);
    bytes = r.bytes;
  }
  all.sort((a, b) => a - b);
  recv.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      bytes,
      ms: { p50: r1(pct(all, 50)), p95: r1(pct(all, 95)), max: r1(all[all.length - 1]!) },
      received: { p50: r1(pct(recv, 50)), p95: r1(pct(recv, 95)) },
    })}\n`,
  );
  process.exit(0);
}

async function serverRole() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'collab-bench-'));
  const hardStop = setTimeout(() => {
    process.stderr.write('bench-collab: exceeded its time bound; aborting\n');
    process.exit(1);
  }, (cfg.warmup + cfg.duration) * 1000 + 240_000);
  hardStop.unref();
  const reference = cfg.server === 'ywebsocket' || cfg.server === 'hocuspocus';
  let server: { http?: string; ws: string; close(): Promise<void> } = reference
    ? await (cfg.server === 'hocuspocus' ? startHocuspocus() : startYWebsocket())
    : await startApp(dataDir);
  if (reference) cfg.coldRuns = 0; // the reference servers keep nothing: nothing to open cold
  try {
    let cookie = 'bench=1';
    let mkDoc = async (title: string) => title.replace(/\W+/g, '-');
    if (!reference) {
      const http = server.http!;
      const signup = await api(http, '', 'POST', '/api/auth/signup', { email: 'bench@school.test', password: 'benchmark-password', name: 'Bench' });
      cookie = signup.cookie;
      const space = await api(http, cookie, 'POST', '/api/spaces', { name: 'Bench PLC', kind: 'plc' });
      const spaceId: string = space.json.space.id;
      mkDoc = async (title: string) => (await api(http, cookie, 'POST', `/api/spaces/${spaceId}/docs`, { title, template: 'blank' })).json.doc.id as string;
    }
    const busyDocs: string[] = [];
    for (let i = 0; i < cfg.docs; i += 20) {
      const n = Math.min(20, cfg.docs - i);
      busyDocs.push(...(await Promise.all(Array.from({ length: n }, (_, k) => mkDoc(`Busy document ${i + k}`)))));
    }

    process.stdout.write(
      `busy (${cfg.server}): ${cfg.docs} document(s), each ${cfg.writers} writers x ${cfg.rate}/s + ${cfg.readers} readers, ${cfg.duration}s measured after ${cfg.warmup}s warm-up\n`,
    );
    const self = fileURLToPath(import.meta.url);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', self, '--role', 'load', '--url', server.ws, '--cookie', cookie, '--doc', busyDocs.join(','), ...process.argv.slice(2)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const eld = monitorEventLoopDelay({ resolution: 10 });
    let cpuStart = process.cpuUsage();
    let cpuMs = 0;
    // System time: socket writes, and the store's WAL syncs (they run on libuv's threads, same process).
    let cpuSysMs = 0;
    let result: any = null;
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      const bound = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('load generator did not finish in time'));
      }, (cfg.warmup + cfg.duration + 60) * 1000);
      child.stdout!.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          let msg: any;
          try {
            msg = JSON.parse(line);
          } catch {
            process.stdout.write(`${line}\n`);
            continue;
          }
          if (msg.event === 'measure-start') {
            cpuStart = process.cpuUsage();
            eld.enable();
          } else if (msg.event === 'measure-end') {
            const d = process.cpuUsage(cpuStart);
            cpuMs = (d.user + d.system) / 1000;
            cpuSysMs = d.system / 1000;
            eld.disable();
          } else if (msg.event === 'result') result = msg;
        }
      });
      child.on('exit', (code) => {
        clearTimeout(bound);
        if (code === 0 && result) resolve();
        else reject(new Error(`load generator exited with ${code}`));
      });
    });
    const rssMb = process.memoryUsage().rss / 1024 / 1024;
    const perSec = result.deliveries / cfg.duration;
    const busy = {
      docs: cfg.docs,
      writers: cfg.writers,
      readers: cfg.readers,
      keystrokes: result.keystrokes,
      deliveriesPerSec: Math.round(perSec),
      latencyMs: { p50: r1(result.latency.p50), p95: r1(result.latency.p95), p99: r1(result.latency.p99), max: r1(result.latency.max) },
      savedAckMs: { count: result.savedAck.count, p50: r1(result.savedAck.p50), p95: r1(result.savedAck.p95), p99: r1(result.savedAck.p99) },
      serverCpuMsPer1kDeliveries: r1(cpuMs / (result.deliveries / 1000)),
      // PERFORMANCE.md's reference figures count deliveries to readers only (W x rate x L per second).
      readerDeliveriesPerSec: Math.round(result.readerDeliveries / cfg.duration),
      serverCpuMsPer1kReaderDeliveries: r1(cpuMs / (result.readerDeliveries / 1000)),
      serverCpuPctOfOneCore: r1((cpuMs / (cfg.duration * 1000)) * 100),
      serverSystemCpuPctOfOneCore: r1((cpuSysMs / (cfg.duration * 1000)) * 100),
      serverRssMb: Math.round(rssMb),
      loadGeneratorCpuPct: r1(result.loadCpuPct),
      // The histogram records whole timer intervals (resolution included): subtract it to get the lag.
      eventLoopLagP99Ms: r1(Math.max(0, eld.percentile(99) / 1e6 - 10)),
      eventLoopLagMaxMs: r1(Math.max(0, eld.max / 1e6 - 10)),
    };

    // Cold loads: build documents, restart the app, open each once (skipped with --cold-runs 0).
    process.stdout.write(`cold open: ${cfg.coldRuns} documents of ~${cfg.docMb} MB\n`);
    let coldOut = { documents: 0, stateBytes: 0, ms: { p50: 0, p95: 0, max: 0 }, stateReceivedMs: { p50: 0, p95: 0 }, serverEventLoopLagMaxMs: 0 };
    if (cfg.coldRuns > 0) {
      const big = bigDocUpdates(cfg.docMb);
      const coldDocs: string[] = [];
      for (let i = 0; i < cfg.coldRuns; i++) {
        const id = await mkDoc(`Big ${i}`);
        await upload(server.ws, cookie, id, big);
        coldDocs.push(id);
      }
      await server.close();
      server = await startApp(dataDir);
      // The cold opens run in a child process, so the event-loop lag measured here is the server's alone.
      const coldEld = monitorEventLoopDelay({ resolution: 5 });
      coldEld.enable();
      const coldRes = await runChild(['--role', 'cold', '--url', server.ws, '--cookie', cookie, '--docs', coldDocs.join(',')], 120_000);
      coldEld.disable();
      coldOut = {
        documents: cfg.coldRuns,
        stateBytes: coldRes.bytes as number,
        ms: coldRes.ms as { p50: number; p95: number; max: number },
        stateReceivedMs: coldRes.received as { p50: number; p95: number },
        serverEventLoopLagMaxMs: r1(Math.max(0, coldEld.max / 1e6 - 5)),
      };
    }
    const bytes = coldOut.stateBytes;
    const report = { machine: { node: process.version, cpus: (await import('node:os')).cpus().length }, busy, cold: coldOut };
    if (f.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      process.stdout.write(
        [
          '',
          `deliveries/s            ${busy.deliveriesPerSec} to every peer (${busy.readerDeliveriesPerSec} to readers)`,
          `edit-to-peer ms         p50 ${busy.latencyMs.p50}  p95 ${busy.latencyMs.p95}  p99 ${busy.latencyMs.p99}  max ${busy.latencyMs.max}`,
          `saved ack ms            p50 ${busy.savedAckMs.p50}  p95 ${busy.savedAckMs.p95}  p99 ${busy.savedAckMs.p99}  (${busy.savedAckMs.count} keystrokes)`,
          `server CPU              ${busy.serverCpuMsPer1kDeliveries} ms / 1k deliveries, ${busy.serverCpuMsPer1kReaderDeliveries} ms / 1k reader deliveries  (${busy.serverCpuPctOfOneCore}% of one core, ${busy.serverSystemCpuPctOfOneCore}% of it system time)`,
          `server RSS              ${busy.serverRssMb} MB;  event-loop lag p99 ${busy.eventLoopLagP99Ms} ms, max ${busy.eventLoopLagMaxMs} ms`,
          `load generator CPU      ${busy.loadGeneratorCpuPct}% of one core (other process)`,
          ...(coldOut.documents
            ? [
                `cold open ${(bytes / 1024 / 1024).toFixed(2)} MB      synced p50 ${coldOut.ms.p50}  p95 ${coldOut.ms.p95}  max ${coldOut.ms.max} ms  (state received p50 ${coldOut.stateReceivedMs.p50}  p95 ${coldOut.stateReceivedMs.p95} ms)`,
                `server event-loop lag during cold opens: max ${coldOut.serverEventLoopLagMaxMs} ms`,
              ]
            : []),
          '',
        ].join('\n'),
      );
    }
  } finally {
    await server.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(0);
}

if (f.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
/**
 * `--server all`: the same load against the reference y-websocket server, Hocuspocus and Collaboratory,
 * each in its own process one after the other (`--rounds` times, default 2), then medians side by side.
 */
async function allRole() {
  const rounds = num('rounds', 2);
  const rest: string[] = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--server' || argv[i] === '--rounds') i++;
    else if (!argv[i]!.startsWith('--server=') && !argv[i]!.startsWith('--rounds=') && argv[i] !== '--json') rest.push(argv[i]!);
  }
  const kinds: ServerKind[] = ['ywebsocket', 'hocuspocus', 'collaboratory'];
  const runs = new Map<ServerKind, any[]>(kinds.map((k) => [k, []]));
  const bound = (cfg.warmup + cfg.duration + 120) * 1000 + 240_000;
  for (let r = 0; r < rounds; r++) {
    for (const k of kinds) {
      process.stdout.write(`round ${r + 1}/${rounds}: ${k}\n`);
      runs.get(k)!.push((await runChild([...rest, '--server', k, '--cold-runs', '0', '--json'], bound)).busy);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const m = (k: ServerKind, pick: (b: any) => number) => r1(median(runs.get(k)!.map(pick)));
  const rows = kinds.map((k) => ({
    server: k,
    // Without readers (many documents), every delivery goes to a writer: count those instead.
    readerDeliveriesPerSec: m(k, (b) => (cfg.readers > 0 ? b.readerDeliveriesPerSec : b.deliveriesPerSec)),
    p50: m(k, (b) => b.latencyMs.p50),
    p95: m(k, (b) => b.latencyMs.p95),
    p99: m(k, (b) => b.latencyMs.p99),
    savedAckP99: k === 'collaboratory' ? m(k, (b) => b.savedAckMs.p99) : null,
    cpuPer1kReader: m(k, (b) => (cfg.readers > 0 ? b.serverCpuMsPer1kReaderDeliveries : b.serverCpuMsPer1kDeliveries)),
    cpuPctOfOneCore: m(k, (b) => b.serverCpuPctOfOneCore),
    rssMb: m(k, (b) => b.serverRssMb),
  }));
  const best = (pick: (r: (typeof rows)[number]) => number) => Math.min(...rows.filter((x) => x.server !== 'collaboratory').map(pick));
  const ours = rows.find((x) => x.server === 'collaboratory')!;
  const r2 = (n: number) => Math.round(n * 100) / 100;
  const ratios = { cpu: r2(ours.cpuPer1kReader / best((x) => x.cpuPer1kReader)), p99: r2(ours.p99 / best((x) => x.p99)) };
  if (f.json) process.stdout.write(`${JSON.stringify({ rows, ratios, rounds })}\n`);
  else {
    process.stdout.write(
      [
        '',
        `${cfg.writers} writers x ${cfg.rate}/s + ${cfg.readers} readers, ${cfg.duration}s measured, medians of ${rounds} rounds`,
        `server          ${cfg.readers > 0 ? 'reader' : ' every'} deliv/s   p50 ms   p95 ms   p99 ms   saved p99   CPU ms/1k ${cfg.readers > 0 ? 'reader' : ' every'} deliveries   % of a core   RSS MB`,
        ...rows.map((x) =>
          `${x.server.padEnd(15)} ${String(x.readerDeliveriesPerSec).padStart(14)} ${String(x.p50).padStart(8)} ${String(x.p95).padStart(8)} ${String(x.p99).padStart(8)} ${String(x.savedAckP99 ?? '-').padStart(11)} ${String(x.cpuPer1kReader).padStart(29)} ${String(x.cpuPctOfOneCore).padStart(13)} ${String(x.rssMb).padStart(8)}`,
        ),
        `Collaboratory / best reference: CPU per delivery ${ratios.cpu}x, p99 ${ratios.p99}x`,
        '',
      ].join('\n'),
    );
  }
  process.exit(0);
}

if (f.role === 'load') await loadRole();
else if (f.role === 'cold') await coldRole();
else if (cfg.server === 'all') await allRole();
else await serverRole();
