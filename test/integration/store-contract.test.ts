/**
 * The storage port's contract, one suite run against every adapter: the embedded one always, MongoDB
 * when MONGODB_URI points at a server that answers (a unique database per run, dropped afterwards;
 * .ci/run starts FerretDB for it).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../server/store/embedded';
import { DuplicateKeyError, type Collection, type Doc, type Store } from '../../server/store/port';
import { MONGODB_SKIP_REASON, MONGODB_TEST_URI } from '../helpers/mongo';
import { scratchMongo } from '../helpers/stores';
import { tempDir } from '../helpers/server';

interface Opened {
  store: Store;
  /** Closes and opens the same data again (a restart), when the adapter can. */
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

interface Item extends Doc {
  name?: string;
  n?: number;
  tags?: string[];
  at?: Date;
  data?: Uint8Array;
  nested?: Record<string, unknown>;
  gone?: string;
  blobs?: Uint8Array[];
  [key: string]: unknown;
}

let collectionSeq = 0;

function contract(open: () => Promise<Opened>) {
  let opened: Opened;
  let store: Store;
  const fresh = <T extends Doc = Item>(): Collection<T> => store.collection<T>(`c${++collectionSeq}_${Date.now().toString(36)}`);
  const sorted = (docs: Item[]) => docs.map((d) => d._id);

  beforeAll(async () => {
    opened = await open();
    store = opened.store;
  });
  afterAll(async () => {
    await opened?.cleanup();
  });

  it('ping answers', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('insertOne / findOne round-trip plain values; a missing doc is null', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'a', name: 'Ada', n: 1, tags: ['x', 'y'], nested: { deep: { ok: true, list: [1, 'two', null] } } });
    expect(await c.findOne({ _id: 'a' })).toEqual({ _id: 'a', name: 'Ada', n: 1, tags: ['x', 'y'], nested: { deep: { ok: true, list: [1, 'two', null] } } });
    expect(await c.findOne({ _id: 'nope' })).toBeNull();
    expect(await c.findOne({ name: 'Ada', n: 2 })).toBeNull();
  });

  it('Dates round-trip as Dates and compare in queries', async () => {
    const c = fresh();
    const t = new Date('2026-03-04T05:06:07.089Z');
    await c.insertMany([
      { _id: 'early', at: new Date(t.getTime() - 1000), nested: { when: t } },
      { _id: 'late', at: new Date(t.getTime() + 1000) },
    ]);
    const early = await c.findOne({ _id: 'early' });
    expect(early!.at).toBeInstanceOf(Date);
    expect(early!.at!.getTime()).toBe(t.getTime() - 1000);
    expect((early!.nested!.when as Date).toISOString()).toBe(t.toISOString());
    expect(sorted(await c.find({ at: { $lt: t } }))).toEqual(['early']);
    expect(sorted(await c.find({ at: { $gte: t } }))).toEqual(['late']);
  });

  it('Uint8Array round-trips byte for byte (top level, nested, in arrays, views, empty, large)', async () => {
    const c = fresh();
    const bytes = new Uint8Array([0, 1, 2, 127, 128, 254, 255]);
    const backing = new Uint8Array([9, 9, 9, 1, 2, 3, 9]);
    const view = backing.subarray(3, 6);
    const big = new Uint8Array(512 * 1024).map((_, i) => (i * 31) & 0xff);
    await c.insertOne({ _id: 'b', data: bytes, nested: { view, empty: new Uint8Array(0) }, blobs: [bytes, view] });
    await c.insertOne({ _id: 'big', data: big });
    const got = await c.findOne({ _id: 'b' });
    expect(got!.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(got!.data!)).toEqual(Array.from(bytes));
    expect(Array.from(got!.nested!.view as Uint8Array)).toEqual([1, 2, 3]);
    expect((got!.nested!.empty as Uint8Array).byteLength).toBe(0);
    expect(got!.blobs!.map((b) => Array.from(b))).toEqual([Array.from(bytes), [1, 2, 3]]);
    const gotBig = await c.findOne({ _id: 'big' });
    expect(gotBig!.data!.byteLength).toBe(big.byteLength);
    expect(Buffer.from(gotBig!.data!).equals(Buffer.from(big))).toBe(true);
    // Binary written by an update and found again.
    await c.updateOne({ _id: 'b' }, { $set: { data: view }, $push: { blobs: new Uint8Array([7]) } });
    const after = await c.findOne({ _id: 'b' });
    expect(Array.from(after!.data!)).toEqual([1, 2, 3]);
    expect(after!.blobs!.map((b) => Array.from(b))).toEqual([Array.from(bytes), [1, 2, 3], [7]]);
    expect((await c.find({})).every((d) => d.data instanceof Uint8Array)).toBe(true);
  });

  it('find sorts (asc, desc, compound), skips and limits', async () => {
    const c = fresh();
    await c.insertMany([
      { _id: 'd1', name: 'b', n: 2 },
      { _id: 'd2', name: 'a', n: 3 },
      { _id: 'd3', name: 'c', n: 1 },
      { _id: 'd4', name: 'a', n: 1 },
      { _id: 'd5', name: 'b', n: 5 },
    ]);
    expect(sorted(await c.find({}, { sort: { n: 1, _id: 1 } }))).toEqual(['d3', 'd4', 'd1', 'd2', 'd5']);
    expect(sorted(await c.find({}, { sort: { n: -1, _id: 1 } }))).toEqual(['d5', 'd2', 'd1', 'd3', 'd4']);
    expect(sorted(await c.find({}, { sort: { name: 1, n: -1 } }))).toEqual(['d2', 'd4', 'd5', 'd1', 'd3']);
    expect(sorted(await c.find({}, { sort: { _id: 1 }, skip: 1, limit: 2 }))).toEqual(['d2', 'd3']);
    expect(sorted(await c.find({}, { sort: { _id: -1 }, limit: 1 }))).toEqual(['d5']);
    expect(sorted(await c.find({}, { sort: { _id: 1 }, skip: 4 }))).toEqual(['d5']);
    expect(await c.find({}, { skip: 10 })).toEqual([]);
  });

  it('count and the query operators ($in, $nin, $ne, ranges, $exists, $regex, $or, $and)', async () => {
    const c = fresh();
    await c.insertMany([
      { _id: 'q1', name: 'Open Science Lab', n: 1, tags: ['sci'] },
      { _id: 'q2', name: 'Math (Grade 5)', n: 2, tags: ['math', 'sci'] },
      { _id: 'q3', name: 'art room', n: 3, gone: 'yes' },
    ]);
    expect(await c.count({})).toBe(3);
    expect(await c.count({ n: { $gt: 1 } })).toBe(2);
    expect(await c.count({ n: { $gte: 1, $lte: 2 } })).toBe(2);
    expect(await c.count({ n: { $lt: 1 } })).toBe(0);
    expect(sorted(await c.find({ _id: { $in: ['q1', 'q3', 'zz'] } }, { sort: { _id: 1 } }))).toEqual(['q1', 'q3']);
    expect(sorted(await c.find({ _id: { $nin: ['q1'] } }, { sort: { _id: 1 } }))).toEqual(['q2', 'q3']);
    expect(sorted(await c.find({ n: { $ne: 2 } }, { sort: { _id: 1 } }))).toEqual(['q1', 'q3']);
    expect(sorted(await c.find({ gone: { $exists: true } }))).toEqual(['q3']);
    expect(sorted(await c.find({ gone: { $exists: false } }, { sort: { _id: 1 } }))).toEqual(['q1', 'q2']);
    expect(sorted(await c.find({ tags: 'sci' }, { sort: { _id: 1 } }))).toEqual(['q1', 'q2']);
    expect(sorted(await c.find({ name: { $regex: /science/i } }))).toEqual(['q1']);
    expect(sorted(await c.find({ name: { $regex: /\(grade 5\)/i } }))).toEqual(['q2']);
    expect(sorted(await c.find({ name: { $regex: /^art/ } }))).toEqual(['q3']);
    expect(sorted(await c.find({ $or: [{ n: 1 }, { name: 'art room' }] }, { sort: { _id: 1 } }))).toEqual(['q1', 'q3']);
    expect(sorted(await c.find({ $and: [{ n: { $gt: 1 } }, { tags: 'sci' }] }))).toEqual(['q2']);
  });

  it('updateOne applies $set, $unset, $inc, $push, $addToSet, $pull and reports matches', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'u', n: 1, tags: ['a'], gone: 'x', nested: { k: 1 } });
    expect(await c.updateOne({ _id: 'u' }, { $set: { name: 'set', 'nested.k': 2 }, $unset: { gone: true }, $inc: { n: 5 } })).toBe(1);
    expect(await c.updateOne({ _id: 'u' }, { $push: { tags: 'b' } })).toBe(1);
    expect(await c.updateOne({ _id: 'u' }, { $addToSet: { tags: 'a' } })).toBe(1);
    expect(await c.updateOne({ _id: 'u' }, { $addToSet: { tags: 'c' } })).toBe(1);
    expect(await c.updateOne({ _id: 'u' }, { $pull: { tags: 'b' } })).toBe(1);
    expect(await c.findOne({ _id: 'u' })).toEqual({ _id: 'u', n: 6, tags: ['a', 'c'], name: 'set', nested: { k: 2 } });
    expect(await c.updateOne({ _id: 'missing' }, { $set: { n: 1 } })).toBe(0);
    expect(await c.findOne({ _id: 'missing' })).toBeNull();
  });

  it('updateOne with upsert inserts when nothing matches', async () => {
    const c = fresh();
    expect(await c.updateOne({ _id: 'up' }, { $set: { n: 1 } }, { upsert: true })).toBe(1);
    expect(await c.updateOne({ _id: 'up' }, { $inc: { n: 1 } }, { upsert: true })).toBe(1);
    expect(await c.findOne({ _id: 'up' })).toEqual({ _id: 'up', n: 2 });
    expect(await c.count({})).toBe(1);
  });

  it('updateMany updates every match and counts them', async () => {
    const c = fresh();
    await c.insertMany([{ _id: 'm1', n: 1 }, { _id: 'm2', n: 1 }, { _id: 'm3', n: 2 }]);
    expect(await c.updateMany({ n: 1 }, { $set: { name: 'one' } })).toBe(2);
    expect(await c.count({ name: 'one' })).toBe(2);
    expect(await c.updateMany({ n: 99 }, { $set: { name: 'none' } })).toBe(0);
  });

  it('findOneAndUpdate returns the document after the update, or null; conditional updates are atomic', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'f', n: 0 });
    expect(await c.findOneAndUpdate({ _id: 'f' }, { $inc: { n: 1 } })).toEqual({ _id: 'f', n: 1 });
    expect(await c.findOneAndUpdate({ _id: 'f', n: 5 }, { $inc: { n: 1 } })).toBeNull();
    // Ten concurrent "take a seat while n < 3": exactly three win.
    const wins = await Promise.all(Array.from({ length: 10 }, () => c.findOneAndUpdate({ _id: 'f', n: { $lt: 4 } }, { $inc: { n: 1 } })));
    expect(wins.filter(Boolean)).toHaveLength(3);
    expect((await c.findOne({ _id: 'f' }))!.n).toBe(4);
  });

  it('deleteOne deletes one match, deleteMany all, both report how many', async () => {
    const c = fresh();
    await c.insertMany([{ _id: 'x1', n: 1 }, { _id: 'x2', n: 1 }, { _id: 'x3', n: 2 }]);
    expect(await c.deleteOne({ n: 1 })).toBe(1);
    expect(await c.count({ n: 1 })).toBe(1);
    expect(await c.deleteOne({ _id: 'nope' })).toBe(0);
    expect(await c.deleteMany({ n: { $in: [1, 2] } })).toBe(2);
    expect(await c.count({})).toBe(0);
    expect(await c.deleteMany({})).toBe(0);
  });

  it('a unique index (single and compound) throws DuplicateKeyError; _id is unique too', async () => {
    const name = `uniq${++collectionSeq}`;
    const c = store.collection<Item>(name);
    await store.ensureIndexes([
      { collection: name, fields: { name: 1 }, unique: true },
      { collection: name, fields: { a: 1, b: 1 }, unique: true },
    ]);
    await store.ensureIndexes([{ collection: name, fields: { name: 1 }, unique: true }]); // idempotent
    await c.insertOne({ _id: 'i1', name: 'ada@school.test', a: 1, b: 1 });
    await expect(c.insertOne({ _id: 'i2', name: 'ada@school.test', a: 9, b: 9 })).rejects.toBeInstanceOf(DuplicateKeyError);
    await expect(c.insertOne({ _id: 'i1', name: 'other', a: 8, b: 8 })).rejects.toBeInstanceOf(DuplicateKeyError);
    await expect(c.insertOne({ _id: 'i3', name: 'bob', a: 1, b: 1 })).rejects.toBeInstanceOf(DuplicateKeyError);
    await c.insertOne({ _id: 'i4', name: 'cy', a: 1, b: 2 });
    await expect(c.updateOne({ _id: 'i4' }, { $set: { name: 'ada@school.test' } })).rejects.toBeInstanceOf(DuplicateKeyError);
    await expect(c.findOneAndUpdate({ _id: 'i4' }, { $set: { b: 1 } })).rejects.toBeInstanceOf(DuplicateKeyError);
    await expect(c.insertMany([{ _id: 'i5', name: 'dee', a: 5, b: 5 }, { _id: 'i6', name: 'dee', a: 6, b: 6 }])).rejects.toBeInstanceOf(DuplicateKeyError);
    // Nothing half-applied by the failed writes.
    expect((await c.findOne({ _id: 'i4' }))!.name).toBe('cy');
    expect(await c.count({ name: 'ada@school.test' })).toBe(1);
    expect(await c.count({ _id: 'i6' })).toBe(0);
  });

  it('insertMany is ordered, as MongoDB does it: on a clash the records before it stay, it and the rest are not stored', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'o2', n: 0 });
    await expect(c.insertMany([{ _id: 'o1', n: 1 }, { _id: 'o2', n: 2 }, { _id: 'o3', n: 3 }])).rejects.toBeInstanceOf(DuplicateKeyError);
    expect(await c.find({}, { sort: { _id: 1 } })).toEqual([{ _id: 'o1', n: 1 }, { _id: 'o2', n: 0 }]);
  });

  it('bulkUpdate applies each updateOne in order, counts matches, and stops at a clash keeping what came before', async () => {
    const name = `bulk${++collectionSeq}`;
    const c = store.collection<Item>(name);
    await store.ensureIndexes([{ collection: name, fields: { n: 1 }, unique: true }]);
    await c.insertMany([{ _id: 'b1', name: 'x' }, { _id: 'b2', name: 'x' }, { _id: 'b3', name: 'y' }, { _id: 'b4', n: 7 }]);
    expect(await c.bulkUpdate([])).toBe(0);
    // Each op is an updateOne: only the first match of `name: 'x'` changes; a miss counts nothing.
    const ops = [
      { filter: { _id: 'b3' }, update: { $set: { n: 3 } } },
      { filter: { name: 'x' }, update: { $set: { tag: 'first' } } },
      { filter: { _id: 'none' }, update: { $set: { n: 9 } } },
      { filter: { _id: 'b3' }, update: { $inc: { n: 10 } } },
    ];
    expect(await c.bulkUpdate(ops)).toBe(3);
    expect(await c.count({ tag: 'first' })).toBe(1);
    expect((await c.findOne({ _id: 'b3' }))!.n).toBe(13);
    // Ordered: b1 takes 1; b2 -> 7 clashes with b4, so b2 and everything after it stay as they were.
    const clash = [
      { filter: { _id: 'b1' }, update: { $set: { n: 1 } } },
      { filter: { _id: 'b2' }, update: { $set: { n: 7 } } },
      { filter: { _id: 'b2' }, update: { $set: { name: 'after' } } },
    ];
    await expect(c.bulkUpdate(clash)).rejects.toBeInstanceOf(DuplicateKeyError);
    expect((await c.findOne({ _id: 'b1' }))!.n).toBe(1);
    const b2 = (await c.findOne({ _id: 'b2' }))!;
    expect([b2.n, b2.name]).toEqual([undefined, 'x']);
  });

  it('bulkUpdate of more than 100 ops (FerretDB never answers one update command that large: sent in slices)', async () => {
    const c = fresh();
    await c.insertMany(Array.from({ length: 150 }, (_, i) => ({ _id: `r${String(i).padStart(3, '0')}` })));
    const ops = Array.from({ length: 150 }, (_, i) => ({ filter: { _id: `r${String(i).padStart(3, '0')}` }, update: { $set: { n: i } } }));
    expect(await c.bulkUpdate(ops)).toBe(150);
    expect((await c.find({}, { sort: { _id: 1 } })).map((d) => d.n)).toEqual(ops.map((_, i) => i));
  }, 60_000);

  it('store errors are thrown, never turned into null or empty results', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'e', n: 1 });
    await expect(c.findOne({ n: { $bogus: 1 } })).rejects.toThrow();
    await expect(c.find({ n: { $bogus: 1 } })).rejects.toThrow();
  });

  it('what was acknowledged is there after a restart (close and open again)', async () => {
    const name = `persist${++collectionSeq}`;
    await store.ensureIndexes([{ collection: name, fields: { name: 1 }, unique: true }]);
    const c = store.collection<Item>(name);
    await c.insertOne({ _id: 'p1', name: 'kept', data: new Uint8Array([4, 5, 6]), at: new Date(1_700_000_000_000) });
    await c.updateOne({ _id: 'p1' }, { $inc: { n: 3 } });
    await c.insertOne({ _id: 'p2', name: 'deleted' });
    await c.deleteOne({ _id: 'p2' });
    store = await opened.reopen();
    const again = store.collection<Item>(name);
    const got = await again.findOne({ _id: 'p1' });
    expect(got).toMatchObject({ _id: 'p1', name: 'kept', n: 3 });
    expect(Array.from(got!.data!)).toEqual([4, 5, 6]);
    expect(got!.at!.getTime()).toBe(1_700_000_000_000);
    expect(await again.findOne({ _id: 'p2' })).toBeNull();
    // Indexes are declared again at boot; the unique rule still holds over reloaded data.
    await store.ensureIndexes([{ collection: name, fields: { name: 1 }, unique: true }]);
    await expect(again.insertOne({ _id: 'p3', name: 'kept' })).rejects.toBeInstanceOf(DuplicateKeyError);
  });
}

describe('storage contract: embedded adapter', () => {
  contract(async () => {
    const dir = tempDir('collab-store-');
    let store = await openEmbeddedStore(dir);
    return {
      store,
      async reopen() {
        await store.close();
        store = await openEmbeddedStore(dir);
        return store;
      },
      async cleanup() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

if (MONGODB_SKIP_REASON) console.warn(`[store-contract] MongoDB suite skipped: ${MONGODB_SKIP_REASON}`);

describe.skipIf(!MONGODB_TEST_URI)('storage contract: MongoDB adapter', () => {
  contract(() => scratchMongo('contract'));
});
