/**
 * Crash safety of the SQLite store's group commit: a child process writes through the embedded store in
 * concurrent bursts (inserts with binary payloads, a counter by findOneAndUpdate, deletes, two-record
 * insertMany pairs), printing each acknowledgement; the test SIGKILLs it at a seeded point (after a seeded
 * number of acks, plus a seeded delay, so the kill lands anywhere: inside a group, in its COMMIT, between
 * groups). After reopening: every acknowledged insert is there with its exact bytes, every acknowledged
 * delete is gone, the counter is at least the last acknowledged value, no pair is half-stored, and SQLite's
 * integrity check passes.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore, SQLITE_FILE } from '../../server/store/embedded';
import { tempDir } from '../helpers/server';

const EMBEDDED = path.resolve(import.meta.dirname, '../../server/store/embedded.ts');

/** The payload an insert carries: derived from its id, so the reader can check every byte (same source in both processes). */
const PAYLOAD_SRC = `(id, size) => {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(id).digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  return new Uint8Array(out);
}`;
const payloadFor = new Function('createHash', 'Buffer', `return ${PAYLOAD_SRC}`)(createHash, Buffer) as (id: string, size: number) => Uint8Array;

// The writer: seeded bursts of concurrent writes, one ack line per acknowledged write.
const WRITER = `
import { createHash } from 'node:crypto';
import { openEmbeddedStore } from ${JSON.stringify(EMBEDDED)};
const payloadFor = ${PAYLOAD_SRC};
let seed = Number(process.env.SEED);
const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const store = await openEmbeddedStore(process.env.DIR);
await store.ensureIndexes([{ collection: 'items', fields: { k: 1 }, unique: true }]);
const items = store.collection('items');
const pairs = store.collection('pairs');
const counter = store.collection('counter');
await counter.updateOne({ _id: 'c' }, { $inc: { v: 0 } }, { upsert: true });
const ack = (line) => process.stdout.write(line + '\\n');
let n = 0;
const acked = [];
for (;;) {
  const burst = [];
  for (let i = 1 + rand(40); i > 0; i--) {
    const r = rand(10);
    const id = 'i' + (n++);
    if (r < 5) {
      const size = rand(5) === 0 ? 65536 + rand(65536) : rand(2048);
      burst.push(items.insertOne({ _id: id, k: n, size, bytes: payloadFor(id, size), at: new Date() }).then(() => { acked.push(id); ack('I ' + id + ' ' + size); }));
    } else if (r < 7) {
      burst.push(counter.findOneAndUpdate({ _id: 'c' }, { $inc: { v: 1 } }).then((d) => ack('C ' + d.v)));
    } else if (r < 8 && acked.length) {
      const victim = acked.splice(rand(acked.length), 1)[0];
      burst.push(items.deleteOne({ _id: victim }).then(() => ack('D ' + victim)));
    } else {
      burst.push(pairs.insertMany([{ _id: id + 'a', pair: id }, { _id: id + 'b', pair: id }]).then(() => ack('P ' + id)));
    }
  }
  await Promise.all(burst);
}
`;

interface Acks {
  inserted: Map<string, number>;
  deleted: Set<string>;
  counter: number;
  pairs: Set<string>;
}

/** Runs the writer on `dir`; SIGKILLs it after `killAfter` acks plus `delayMs`; returns what it acknowledged. */
function runAndKill(dir: string, seed: number, killAfter: number, delayMs: number): Promise<Acks> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WRITER], { env: { ...process.env, DIR: dir, SEED: String(seed) }, stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Acks = { inserted: new Map(), deleted: new Set(), counter: 0, pairs: new Set() };
    let count = 0;
    let pending = '';
    let err = '';
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const [kind, a, b] = line.split(' ');
        if (kind === 'I') acks.inserted.set(a!, Number(b));
        else if (kind === 'D') acks.deleted.add(a!);
        else if (kind === 'C') acks.counter = Math.max(acks.counter, Number(a));
        else if (kind === 'P') acks.pairs.add(a!);
        if (++count === killAfter) setTimeout(() => proc.kill('SIGKILL'), delayMs);
      }
    });
    proc.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(acks) : reject(new Error(`writer exited with ${code}: ${err}`))));
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('SIGKILL during group commits', () => {
  const seeds = [
    { seed: 11, killAfter: 40, delayMs: 0 },
    { seed: 12, killAfter: 300, delayMs: 3 },
    { seed: 13, killAfter: 900, delayMs: 0 },
    { seed: 14, killAfter: 500, delayMs: 17 },
  ];
  it.each(seeds)('seed $seed, kill after $killAfter acks + $delayMs ms: nothing acknowledged is lost, nothing half-stored', async ({ seed, killAfter, delayMs }) => {
    const dir = tempDir('store-crash-');
    dirs.push(dir);
    const acks = await runAndKill(dir, seed, killAfter, delayMs);
    expect(acks.inserted.size).toBeGreaterThan(0);

    const db = new Database(path.join(dir, SQLITE_FILE));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const store = await openEmbeddedStore(dir);
    try {
      const items = store.collection<{ _id: string; size: number; bytes: Uint8Array }>('items');
      for (const [id, size] of acks.inserted) {
        const got = await items.findOne({ _id: id });
        if (acks.deleted.has(id)) {
          expect(got, `${id} was deleted`).toBeNull();
          continue;
        }
        expect(got, `acknowledged insert ${id}`).not.toBeNull();
        expect(got!.bytes.byteLength).toBe(size);
        expect(Buffer.from(got!.bytes).equals(Buffer.from(payloadFor(id, size))), `bytes of ${id}`).toBe(true);
      }
      const counter = await store.collection<{ _id: string; v: number }>('counter').findOne({ _id: 'c' });
      expect(counter?.v ?? 0).toBeGreaterThanOrEqual(acks.counter);
      const pairs = await store.collection<{ _id: string; pair: string }>('pairs').find({});
      const byPair = new Map<string, number>();
      for (const p of pairs) byPair.set(p.pair, (byPair.get(p.pair) ?? 0) + 1);
      expect([...byPair.values()].every((c) => c === 2)).toBe(true);
      for (const p of acks.pairs) expect(byPair.get(p), `acknowledged pair ${p}`).toBe(2);
    } finally {
      await store.close();
    }
  }, 120_000);
});
