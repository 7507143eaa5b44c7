/**
 * The update log, the grouped writer and the fan-out, against the real embedded store (with failures
 * injected where a test needs the store to misbehave).
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { createLocalFanout, type FanoutBatch } from '../../server/collab/fanout';
import { createUpdateLog, SNAPSHOTS, UPDATES } from '../../server/collab/updateLog';
import { RoomWriter } from '../../server/collab/writer';
import { createLogger } from '../../server/logger';
import { openEmbeddedStore } from '../../server/store/embedded';
import type { Collection, Doc, Store } from '../../server/store/port';
import { tempDir } from '../helpers/server';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function store(): Promise<Store> {
  const dir = tempDir('collab-log-');
  dirs.push(dir);
  const s = await openEmbeddedStore(dir);
  stores.push(s);
  return s;
}

/** Wraps a store so chosen collection methods throw while `fail(name, method)` says so. */
function flaky(inner: Store, fail: (collection: string, method: string) => boolean): Store {
  return {
    ...inner,
    kind: inner.kind,
    collection<T extends Doc>(name: string): Collection<T> {
      const c = inner.collection<T>(name);
      return new Proxy(c, {
        get(target, prop: string) {
          const v = (target as unknown as Record<string, unknown>)[prop];
          if (typeof v !== 'function') return v;
          return async (...args: unknown[]) => {
            if (fail(name, prop)) throw new Error(`injected ${name}.${prop} failure`);
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    },
  };
}

const silent = createLogger('silent');

function writerFor(doc: Y.Doc, log: ReturnType<typeof createUpdateLog>, docId: string, extra: Partial<ConstructorParameters<typeof RoomWriter>[0]> = {}) {
  const durable: { sv: Uint8Array; origins: string[] }[] = [];
  const w = new RoomWriter({
    docId,
    log,
    logger: silent,
    stateVector: () => Y.encodeStateVector(doc),
    fullState: () => Y.encodeStateAsUpdate(doc),
    onDurable: (sv, origins) => durable.push({ sv, origins: [...origins] }),
    onFailed: () => undefined,
    retry: { attempts: 8, minMs: 5, maxMs: 20 },
    lastSeq: 0,
    updatesSinceSnapshot: 0,
    compactEvery: 1000,
    ...extra,
  });
  doc.on('update', (u: Uint8Array, origin: unknown) => w.push(u, typeof origin === 'string' ? origin : 'server'));
  return { w, durable };
}

describe('grouped writes', () => {
  it('updates queued while a write is in flight go out as one merged insert', async () => {
    const s = await store();
    const log = createUpdateLog(s, Date.now);
    const doc = new Y.Doc();
    const { w, durable } = writerFor(doc, log, 'd1');
    const t = doc.getText('t');
    doc.transact(() => t.insert(0, 'a'), 'c1');
    for (let i = 0; i < 30; i++) doc.transact(() => t.insert(t.length, String(i % 10)), i % 2 ? 'c2' : 'c3');
    await w.flush();
    expect(w.writes).toBe(2);
    expect(durable[1]!.origins.sort()).toEqual(['c2', 'c3']);
    // The last acknowledgement covers the whole document.
    expect(Y.decodeStateVector(durable.at(-1)!.sv)).toEqual(Y.decodeStateVector(Y.encodeStateVector(doc)));
    const loaded = await log.load('d1');
    expect(loaded.doc.getText('t').toString()).toBe(t.toString());
    expect(loaded.lastSeq).toBe(2);
  });

  it('with a write pace, writes start at least the pace apart and everything meanwhile joins the next one; after a quiet spell a write starts at once', async () => {
    // Fake time only (setTimeout and performance.now): the embedded store's commits run on setImmediate.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const s = await store();
      const starts: number[] = [];
      const recording: Store = {
        ...s,
        kind: s.kind,
        collection<T extends Doc>(name: string): Collection<T> {
          const c = s.collection<T>(name);
          if (name !== UPDATES) return c;
          return new Proxy(c, {
            get(target, prop: string) {
              const v = (target as unknown as Record<string, unknown>)[prop];
              if (prop !== 'insertOne' || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v;
              return (...args: unknown[]) => {
                starts.push(performance.now());
                return (v as (...a: unknown[]) => unknown).apply(target, args);
              };
            },
          });
        },
      };
      const log = createUpdateLog(recording, Date.now);
      const doc = new Y.Doc();
      const { w, durable } = writerFor(doc, log, 'dp', { writePaceMs: 100 });
      const t = doc.getText('t');
      const turn = () => new Promise((r) => setImmediate(r));

      doc.transact(() => t.insert(0, 'a'), 'c1');
      await w.flush();
      expect(starts).toEqual([0]);
      // Busy: two more edits, in separate turns, wait for the pace and land as one write.
      doc.transact(() => t.insert(1, 'b'), 'c2');
      await turn();
      doc.transact(() => t.insert(2, 'c'), 'c3');
      await turn();
      await vi.advanceTimersByTimeAsync(99);
      expect(starts).toEqual([0]);
      expect(durable.length).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      await w.flush();
      expect(starts).toEqual([0, 100]);
      expect(durable[1]!.origins.sort()).toEqual(['c2', 'c3']);
      // Quiet for longer than the pace: the next edit is written at once.
      await vi.advanceTimersByTimeAsync(500);
      doc.transact(() => t.insert(3, 'd'), 'c4');
      await w.flush();
      expect(starts).toEqual([0, 100, 600]);
      expect((await log.load('dp')).doc.getText('t').toString()).toBe('abcd');
    } finally {
      vi.useRealTimers();
    }
  });

  it('a failing store is retried and nothing is acknowledged before it accepts', async () => {
    const s = await store();
    // The store refuses until it has refused twice AND the test has looked (a busy machine may fire the
    // test's timer late, after the writer's retries: the count alone made this a race).
    let failures = 2;
    let looked = false;
    const log = createUpdateLog(flaky(s, (c, m) => c === UPDATES && m === 'insertOne' && (failures-- > 0 || !looked)), Date.now);
    const doc = new Y.Doc();
    const { w, durable } = writerFor(doc, log, 'd2');
    doc.getText('t').insert(0, 'first');
    await new Promise((r) => setTimeout(r, 20));
    expect(durable).toEqual([]);
    looked = true;
    doc.getText('t').insert(5, ' second');
    await w.flush();
    expect(durable.length).toBeGreaterThan(0);
    const loaded = await log.load('d2');
    expect(loaded.doc.getText('t').toString()).toBe('first second');
  });
});

describe('a store that keeps failing', () => {
  it('gives up after the bounded attempts: flush rejects, nothing is acknowledged, nothing more is stored', async () => {
    const s = await store();
    let broken = false;
    let attempts = 0;
    const log = createUpdateLog(
      flaky(s, (c, m) => c === UPDATES && m === 'insertOne' && broken && ++attempts > 0),
      Date.now,
    );
    const doc = new Y.Doc();
    const failures: unknown[] = [];
    const { w, durable } = writerFor(doc, log, 'd7', { retry: { attempts: 3, minMs: 5, maxMs: 10 }, onFailed: (err) => failures.push(err) });
    doc.getText('t').insert(0, 'kept');
    await w.flush();
    expect(durable).toHaveLength(1);
    const ackedBefore = durable[0]!.sv;

    broken = true;
    doc.getText('t').insert(4, ' lost');
    // Queued behind the failing write: it must not be acknowledged either.
    await new Promise((r) => setTimeout(r, 2));
    doc.getText('t').insert(0, '>');
    await expect(w.flush()).rejects.toThrow(/injected/);
    expect(attempts).toBe(3);
    expect(failures).toHaveLength(1);
    expect(w.failed).toBeTruthy();
    expect(durable).toHaveLength(1);
    expect(w.durableStateVector).toEqual(ackedBefore);

    // Failed for good: even a healthy store gets nothing more from this writer.
    broken = false;
    doc.getText('t').insert(0, 'after');
    await expect(w.flush()).rejects.toThrow(/injected/);
    expect(durable).toHaveLength(1);
    expect((await log.load('d7')).doc.getText('t').toString()).toBe('kept');
  });
});

describe('compaction', () => {
  it('snapshots every N updates, deletes what it covers, and loads the same state', async () => {
    const s = await store();
    const log = createUpdateLog(s, Date.now);
    const doc = new Y.Doc();
    const { w } = writerFor(doc, log, 'd3', { compactEvery: 5 });
    for (let i = 0; i < 12; i++) {
      doc.getText('t').insert(0, `${i};`);
      await w.flush();
    }
    await w.settled();
    const snaps = await s.collection<{ _id: string; seq: number }>(SNAPSHOTS).find({ docId: 'd3' });
    expect(snaps.length).toBe(1);
    const ups = await s.collection<{ _id: string; seq: number }>(UPDATES).find({ docId: 'd3' });
    expect(ups.every((u) => u.seq > snaps[0]!.seq)).toBe(true);
    const loaded = await log.load('d3');
    expect(loaded.doc.getText('t').toString()).toBe(doc.getText('t').toString());
    expect(loaded.lastSeq).toBe(12);
  });

  it('a large document waits until its log holds 1/16 of the snapshot before re-encoding it', async () => {
    const s = await store();
    const log = createUpdateLog(s, Date.now);
    const doc = new Y.Doc();
    const { w } = writerFor(doc, log, 'd6', { compactEvery: 2, snapshotBytes: 16 * 1024 });
    for (let i = 0; i < 6; i++) {
      doc.getText('t').insert(0, 'tiny');
      await w.flush();
    }
    await w.settled();
    expect(await s.collection(SNAPSHOTS).count({ docId: 'd6' })).toBe(0);
    doc.getText('t').insert(0, 'x'.repeat(2048));
    await w.flush();
    await w.settled();
    expect(await s.collection(SNAPSHOTS).count({ docId: 'd6' })).toBe(1);
  });

  it('a crash between the snapshot insert and the deletes leaves no hole', async () => {
    const s = await store();
    const log = createUpdateLog(s, Date.now);
    const doc = new Y.Doc();
    const { w } = writerFor(doc, log, 'd4');
    for (let i = 0; i < 4; i++) {
      doc.getText('t').insert(0, `${i};`);
      await w.flush();
    }
    // The snapshot lands; the process "dies" before the covered updates are deleted.
    const crashing = createUpdateLog(flaky(s, (_c, m) => m === 'deleteMany'), Date.now);
    await expect(crashing.compact('d4', 4, Y.encodeStateAsUpdate(doc))).rejects.toThrow(/injected/);
    doc.getText('t').insert(0, 'after;');
    await w.flush();
    const loaded = await log.load('d4');
    expect(loaded.doc.getText('t').toString()).toBe('after;3;2;1;0;');
    expect(loaded.lastSeq).toBe(5);
  });

  it('a load that fails rejects instead of yielding an empty document', async () => {
    const s = await store();
    const log = createUpdateLog(flaky(s, (c, m) => c === SNAPSHOTS && m === 'find'), Date.now);
    await expect(log.load('d5')).rejects.toThrow(/injected/);
  });
});

describe('fan-out', () => {
  it('merges the updates of one turn into one batch and keeps documents apart', async () => {
    const fanout = createLocalFanout();
    const got: Record<string, FanoutBatch[]> = { a: [], b: [] };
    const offA = fanout.subscribe('a', (b) => got.a!.push(b));
    fanout.subscribe('b', (b) => got.b!.push(b));
    const src = new Y.Doc();
    const ups: Uint8Array[] = [];
    src.on('update', (u: Uint8Array) => ups.push(u));
    for (let i = 0; i < 5; i++) src.getText('t').insert(i, 'x');
    ups.forEach((u, i) => fanout.publish('a', u, `c${i % 2}`));
    fanout.publish('b', ups[0]!, 'c9');
    await new Promise((r) => setImmediate(r));
    expect(got.a!.length).toBe(1);
    expect([...got.a![0]!.origins].sort()).toEqual(['c0', 'c1']);
    const dst = new Y.Doc();
    Y.applyUpdate(dst, got.a![0]!.update);
    expect(dst.getText('t').toString()).toBe('xxxxx');
    expect(got.b!.length).toBe(1);
    offA();
    fanout.publish('a', ups[0]!, 'c0');
    fanout.flush();
    expect(got.a!.length).toBe(1);
  });

  it('paces a busy document: one broadcast per pace with everything that arrived meanwhile, quiet ones at once', async () => {
    const fanout = createLocalFanout({ paceMs: 60 });
    const got: Record<string, FanoutBatch[]> = { a: [], b: [] };
    fanout.subscribe('a', (b) => got.a!.push(b));
    fanout.subscribe('b', (b) => got.b!.push(b));
    const src = new Y.Doc();
    const ups: Uint8Array[] = [];
    src.on('update', (u: Uint8Array) => ups.push(u));
    for (let i = 0; i < 4; i++) src.getText('t').insert(i, String(i));
    const turn = () => new Promise((r) => setImmediate(r));

    // Quiet so far: the first keystroke goes out at the end of the turn.
    fanout.publish('a', ups[0]!, 'c0');
    await turn();
    expect(got.a!.length).toBe(1);
    // Busy now: the next two wait for the pace and go out together.
    fanout.publish('a', ups[1]!, 'c1');
    await turn();
    fanout.publish('a', ups[2]!, 'c2');
    // Another document, quiet, is not held back by the busy one.
    fanout.publish('b', ups[0]!, 'c9');
    await turn();
    expect(got.a!.length).toBe(1);
    expect(got.b!.length).toBe(1);
    await expect.poll(() => got.a!.length).toBe(2);
    expect([...got.a![1]!.origins].sort()).toEqual(['c1', 'c2']);
    const dst = new Y.Doc();
    Y.applyUpdate(dst, got.a![0]!.update);
    Y.applyUpdate(dst, got.a![1]!.update);
    expect(dst.getText('t').toString()).toBe('012');

    // flush() (a room unloading) delivers a paced batch at once.
    fanout.publish('a', ups[3]!, 'c3');
    await turn();
    expect(got.a!.length).toBe(2);
    fanout.flush();
    expect(got.a!.length).toBe(3);
    Y.applyUpdate(dst, got.a![2]!.update);
    expect(dst.getText('t').toString()).toBe('0123');
  });

  it('keeps other processes\' updates apart in a batch, and hands a relay this process\'s own, merged once, at the same moment', async () => {
    const moments: { docId: string; own: Uint8Array | null; delivered: number }[] = [];
    const got: FanoutBatch[] = [];
    const fanout = createLocalFanout({ afterDeliver: (docId, own) => moments.push({ docId, own, delivered: got.length }) });
    fanout.subscribe('a', (b) => got.push(b));
    const mine = new Y.Doc();
    const theirs = new Y.Doc();
    const ups: Uint8Array[] = [];
    const foreign: Uint8Array[] = [];
    mine.on('update', (u: Uint8Array) => ups.push(u));
    theirs.on('update', (u: Uint8Array) => foreign.push(u));
    mine.getText('t').insert(0, 'ab');
    mine.getText('t').insert(2, 'cd');
    theirs.getText('u').insert(0, 'zz');

    fanout.publish('a', ups[0]!, 'c0');
    fanout.publishForeign('a', foreign[0]!, 'relay:x');
    fanout.publish('a', ups[1]!, 'c1');
    await new Promise((r) => setImmediate(r));
    // One broadcast with everything; only the other process's update is marked for applying.
    expect(got).toHaveLength(1);
    expect(got[0]!.foreign).toEqual([foreign[0]]);
    const all = new Y.Doc();
    Y.applyUpdate(all, got[0]!.update);
    expect([all.getText('t').toString(), all.getText('u').toString()]).toEqual(['abcd', 'zz']);
    // The relay's moment comes right after that broadcast, with only this process's updates, merged.
    expect(moments).toHaveLength(1);
    expect(moments[0]!.delivered).toBe(1);
    const own = new Y.Doc();
    Y.applyUpdate(own, moments[0]!.own!);
    expect([own.getText('t').toString(), own.getText('u').toString()]).toEqual(['abcd', '']);

    // touch: a moment with nothing to broadcast (a relay's presence or durable mark).
    fanout.touch('b');
    await new Promise((r) => setImmediate(r));
    expect(moments[1]).toEqual({ docId: 'b', own: null, delivered: 1 });
  });

  it('with pace 0 every turn delivers, however busy', async () => {
    const fanout = createLocalFanout({ paceMs: 0 });
    const got: FanoutBatch[] = [];
    fanout.subscribe('a', (b) => got.push(b));
    const src = new Y.Doc();
    const ups: Uint8Array[] = [];
    src.on('update', (u: Uint8Array) => ups.push(u));
    for (let i = 0; i < 3; i++) src.getText('t').insert(i, 'x');
    for (const u of ups) {
      fanout.publish('a', u, 'c0');
      await new Promise((r) => setImmediate(r));
    }
    expect(got.length).toBe(3);
  });
});
