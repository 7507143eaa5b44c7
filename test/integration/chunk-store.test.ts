/**
 * The chunked binary store's contract, one set of cases run on every adapter: the embedded store always,
 * MongoDB when a server answers (FerretDB under .ci/run). Values past MongoDB's 16 MB record limit must
 * store and read back byte for byte, and a write cut short must never be visible.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { openChunkStore } from '../../server/store/chunks';
import type { Collection, Doc, Store } from '../../server/store/port';
import { MONGODB_SKIP_REASON, MONGODB_TEST_URI } from '../helpers/mongo';
import { scratchEmbedded, scratchMongo, useScratchStore, type ScratchStore } from '../helpers/stores';

/** Deterministic bytes that differ between values and positions, so a misplaced chunk shows. */
function bytesOf(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const same = (a: Uint8Array | null, b: Uint8Array) => a !== null && a.byteLength === b.byteLength && Buffer.from(a).equals(Buffer.from(b));

/** The store with one collection's inserts failing after `allowed` of them: a write cut short. */
function failingAfter(store: Store, name: string, allowed: number): Store {
  let left = allowed;
  const cut = () => {
    if (left-- <= 0) throw new Error('simulated crash');
  };
  return {
    kind: store.kind,
    ensureIndexes: (specs) => store.ensureIndexes(specs),
    ping: () => store.ping(),
    close: () => store.close(),
    collection<T extends Doc>(n: string): Collection<T> {
      const c = store.collection<T>(n);
      if (n !== name) return c;
      // Spelled out: an adapter's collection may be a class instance, whose methods a spread would drop.
      return {
        insertOne: async (d) => (cut(), c.insertOne(d)),
        insertMany: async (d) => (cut(), c.insertMany(d)),
        updateOne: async (f, u, o) => (cut(), c.updateOne(f, u, o)),
        findOne: (f) => c.findOne(f),
        find: (f, o) => c.find(f, o),
        count: (f) => c.count(f),
        updateMany: (f, u) => c.updateMany(f, u),
        findOneAndUpdate: (f, u) => c.findOneAndUpdate(f, u),
        deleteOne: (f) => c.deleteOne(f),
        deleteMany: (f) => c.deleteMany(f),
        bulkUpdate: (ops) => c.bulkUpdate(ops),
      };
    },
  };
}

let seq = 0;

function contract(open: () => Promise<ScratchStore>) {
  const current = useScratchStore(open);
  let store: Store;
  const fresh = (chunkBytes?: number) => openChunkStore(store, { name: `blob${++seq}`, ...(chunkBytes ? { chunkBytes } : {}) });
  beforeAll(() => {
    store = current();
  });

  it('put / get round-trip: empty, smaller than a chunk, exact multiples, one byte over; missing is null', async () => {
    const blobs = await fresh(1000);
    const cases = [0, 1, 999, 1000, 1001, 3000, 3001];
    for (const size of cases) await blobs.put(`v${size}`, bytesOf(size, size));
    for (const size of cases) expect(same(await blobs.get(`v${size}`), bytesOf(size, size))).toBe(true);
    expect(await blobs.get('missing')).toBeNull();
  });

  it('a value larger than 16 MB (MongoDB record limit) stores and reads back byte for byte', async () => {
    const blobs = await fresh();
    const big = bytesOf(17 * 1024 * 1024 + 12345, 7);
    await blobs.put('big', big);
    expect(same(await blobs.get('big'), big)).toBe(true);
    // Each record stayed well under the limit.
    const chunks = store.collection<Doc & { data: Uint8Array }>(`blob${seq}Chunks`);
    expect(await chunks.count({ blob: 'big' })).toBe(5);
  }, 120_000);

  it('put replaces the value and removes the old chunks; delete removes everything', async () => {
    const blobs = await fresh(100);
    await blobs.put('doc', bytesOf(1000, 1));
    await blobs.put('doc', bytesOf(250, 2));
    expect(same(await blobs.get('doc'), bytesOf(250, 2))).toBe(true);
    const chunks = store.collection(`blob${seq}Chunks`);
    expect(await chunks.count({ blob: 'doc' })).toBe(3);
    await blobs.delete('doc');
    expect(await blobs.get('doc')).toBeNull();
    expect(await chunks.count({})).toBe(0);
    await blobs.delete('doc'); // absent: no-op
    expect(await store.collection(`blob${seq}Gens`).count({})).toBe(0);
  });

  it('a write cut short between chunks and head is invisible; repair removes its chunks once abandoned', async () => {
    const name = `blob${++seq}`;
    const blobs = await openChunkStore(store, { name, chunkBytes: 100 });
    await blobs.put('doc', bytesOf(300, 1));
    // Only the heads collection fails: markers and chunks are written, the head never is.
    const broken = await openChunkStore(failingAfter(store, name, 0), { name, chunkBytes: 100 });
    await expect(broken.put('doc', bytesOf(350, 2))).rejects.toThrow('simulated crash');
    await expect(broken.put('new', bytesOf(50, 3))).rejects.toThrow('simulated crash');
    expect(same(await blobs.get('doc'), bytesOf(300, 1))).toBe(true);
    expect(await blobs.get('new')).toBeNull();
    const chunks = store.collection(`${name}Chunks`);
    expect(await chunks.count({})).toBe(3 + 4 + 1);
    // Too young to be called abandoned (a writer may still be filling it): kept.
    expect(await blobs.repair()).toBe(0);
    expect(await blobs.repair(new Date(Date.now() + 11 * 60 * 1000))).toBe(5);
    expect(await chunks.count({})).toBe(3);
    expect(same(await blobs.get('doc'), bytesOf(300, 1))).toBe(true);
  });

  it('purge removes a value whatever its writing got to: complete, or cut short before its head', async () => {
    const name = `blob${++seq}`;
    const blobs = await openChunkStore(store, { name, chunkBytes: 100 });
    await blobs.put('whole', bytesOf(250, 1));
    await expect((await openChunkStore(failingAfter(store, name, 0), { name, chunkBytes: 100 })).put('cut', bytesOf(150, 2))).rejects.toThrow('simulated crash');
    await blobs.put('kept', bytesOf(50, 3));
    await blobs.purge('whole');
    await blobs.purge('cut');
    await blobs.purge('never-written');
    expect(await blobs.get('whole')).toBeNull();
    expect(await store.collection(`${name}Chunks`).count({})).toBe(1);
    expect(await store.collection(`${name}Gens`).count({})).toBe(1);
    expect(same(await blobs.get('kept'), bytesOf(50, 3))).toBe(true);
  });

  it('concurrent writers of one value: the result is one complete value, and only its chunks remain', async () => {
    const blobs = await fresh(64);
    const values = Array.from({ length: 6 }, (_, i) => bytesOf(200 + i * 37, 10 + i));
    const reads: Promise<Uint8Array | null>[] = [];
    await Promise.all(values.map(async (v) => {
      await blobs.put('hot', v);
      reads.push(blobs.get('hot'));
    }));
    const final = await blobs.get('hot');
    expect(values.some((v) => same(final, v))).toBe(true);
    // Every read during the race saw one complete value, never a mix.
    for (const r of await Promise.all(reads)) expect(values.some((v) => same(r, v))).toBe(true);
    expect(await store.collection(`blob${seq}Chunks`).count({ blob: 'hot' })).toBe(Math.ceil(final!.byteLength / 64));
  });
}

describe('chunk store: embedded adapter', () => {
  contract(() => scratchEmbedded('chunks'));
});

if (MONGODB_SKIP_REASON) console.warn(`[chunk-store] MongoDB suite skipped: ${MONGODB_SKIP_REASON}`);

describe.skipIf(!MONGODB_TEST_URI)('chunk store: MongoDB adapter', () => {
  contract(() => scratchMongo('chunks'));
});
