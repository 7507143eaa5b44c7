/**
 * Chunked binary values over the storage port, like GridFS: a value of any size is kept as records of at
 * most `chunkBytes` (4 MB by default, well under MongoDB's 16 MB record limit) plus one head record. The
 * head is written LAST and names the generation of chunks it stands for, so a value whose writing was cut
 * short (crash, lost connection) is never visible: readers see the previous value or none.
 *
 * Each generation is announced by a tiny marker record written FIRST and removed only after its chunks,
 * so the markers list every generation that may still own chunks: cleanup after a put or delete, and
 * `repair()` at start, find leftovers without reading (multi-megabyte) chunk records.
 *
 * Works on every adapter because it uses only inserts, an upsert of one record and deletes: no
 * transactions are needed.
 */
import { randomBytes } from 'node:crypto';
import { crashPoint } from '../crash';
import { DuplicateKeyError, type Doc, type IndexSpec, type Store } from './port';

/** Default chunk size: a quarter of MongoDB's record limit, leaving room for the record's other fields. */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

/** Chunks written per store call: bounds one write's size (and the driver's message) to ~16 MB. */
const CHUNKS_PER_WRITE = 4;

/** Head swaps retried when another writer of the same id got in between. */
const SWAP_ATTEMPTS = 20;

/** A generation marker this old without a head pointing at it belongs to a write that died. */
const ABANDONED_AFTER_MS = 10 * 60 * 1000;

/** Reads retried when a concurrent `put` replaced the value between reading the head and its chunks. */
const READ_ATTEMPTS = 5;

interface HeadRecord extends Doc {
  gen: string;
  size: number;
  chunks: number;
  updatedAt: Date;
}

interface GenRecord extends Doc {
  blob: string;
  gen: string;
  createdAt: Date;
}

interface ChunkRecord extends Doc {
  blob: string;
  gen: string;
  n: number;
  data: Uint8Array;
}

export interface ChunkStore {
  /** Stores `bytes` under `id`, replacing any earlier value; visible to readers only once complete. */
  put(id: string, bytes: Uint8Array): Promise<void>;
  /** The complete value stored under `id`, or null. */
  get(id: string): Promise<Uint8Array | null>;
  /** Removes the value under `id` (no-op when absent). */
  delete(id: string): Promise<void>;
  /**
   * Removes everything stored under `id`, complete or cut short (every generation), through the indexes:
   * for an id no writer will use again (state-blobs.ts writes each id once), so its repair needs no scan.
   */
  purge(id: string): Promise<void>;
  /**
   * Removes chunks no head refers to, left by a write or delete cut short at least 10 minutes before
   * `now` (younger ones may belong to a write still running); returns how many chunks it removed.
   */
  repair(now?: Date): Promise<number>;
}

export interface ChunkStoreOptions {
  /** Collection name of the heads; chunks go to `${name}Chunks`, markers to `${name}Gens`. Default `blobs`. */
  name?: string;
  chunkBytes?: number;
}

/** Whether a collection holds a chunk store's chunks (records of up to `chunkBytes`: read them a few at a time). */
export function isChunkCollection(name: string): boolean {
  return name.endsWith('Chunks');
}

/** The indexes a chunk store needs (declare them with the app's other indexes). */
export function chunkIndexes(name = 'blobs'): IndexSpec[] {
  return [
    { collection: `${name}Chunks`, fields: { blob: 1, gen: 1, n: 1 }, unique: true },
    { collection: `${name}Gens`, fields: { blob: 1 } },
  ];
}

/** Opens a chunk store over `store` and makes sure its index exists. */
export async function openChunkStore(store: Store, options: ChunkStoreOptions = {}): Promise<ChunkStore> {
  await store.ensureIndexes(chunkIndexes(options.name));
  return chunkStore(store, options);
}

/**
 * A chunk store over `store` whose indexes the caller declared (`chunkIndexes`, with a feature's other
 * indexes): usable at once, without an await, by repositories built synchronously.
 */
export function chunkStore(store: Store, options: ChunkStoreOptions = {}): ChunkStore {
  const name = options.name ?? 'blobs';
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) throw new RangeError('chunkBytes must be a positive integer');
  const heads = store.collection<HeadRecord>(name);
  const chunks = store.collection<ChunkRecord>(`${name}Chunks`);
  const gens = store.collection<GenRecord>(`${name}Gens`);

  /** Removes one generation: its chunks, then its marker (so a cut-short removal is found again). */
  async function dropGeneration(blob: string, gen: string): Promise<number> {
    const removed = await chunks.deleteMany({ blob, gen });
    await gens.deleteOne({ _id: `${blob}/${gen}` });
    return removed;
  }

  /**
   * Points the head of `id` at `next` with a compare-and-swap on the generation it replaces, so two
   * writers of one id never delete each other's chunks; returns the replaced generation, if any.
   */
  async function commit(id: string, next: Omit<HeadRecord, '_id'>): Promise<string | null> {
    for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
      const head = await heads.findOne({ _id: id });
      if (head) {
        if ((await heads.updateOne({ _id: id, gen: head.gen }, { $set: next })) === 1) return head.gen;
        continue;
      }
      try {
        await heads.insertOne({ _id: id, ...next });
        return null;
      } catch (err) {
        if (!(err instanceof DuplicateKeyError)) throw err;
      }
    }
    throw new Error(`chunked value ${id}: too many concurrent writers`);
  }

  /** Reads one generation's chunks; null when any is missing (a concurrent put removed them). */
  async function assemble(id: string, head: HeadRecord): Promise<Uint8Array | null> {
    const out = new Uint8Array(head.size);
    let offset = 0;
    // One chunk per read keeps a read's memory to one chunk beyond the result.
    for (let n = 0; n < head.chunks; n++) {
      const c = await chunks.findOne({ blob: id, gen: head.gen, n });
      if (!c || offset + c.data.byteLength > head.size) return null;
      out.set(c.data, offset);
      offset += c.data.byteLength;
    }
    return offset === head.size ? out : null;
  }

  return {
    async put(id, bytes) {
      const gen = randomBytes(8).toString('hex');
      await gens.insertOne({ _id: `${id}/${gen}`, blob: id, gen, createdAt: new Date() });
      const count = Math.ceil(bytes.byteLength / chunkBytes);
      for (let first = 0; first < count; first += CHUNKS_PER_WRITE) {
        const batch: ChunkRecord[] = [];
        for (let n = first; n < Math.min(count, first + CHUNKS_PER_WRITE); n++) {
          const data = bytes.subarray(n * chunkBytes, Math.min(bytes.byteLength, (n + 1) * chunkBytes));
          batch.push({ _id: `${id}/${gen}/${n}`, blob: id, gen, n, data });
        }
        await chunks.insertMany(batch);
      }
      crashPoint('chunks.put:after-chunks');
      // The commit point: from here on readers get the new value.
      const replaced = await commit(id, { gen, size: bytes.byteLength, chunks: count, updatedAt: new Date() });
      if (replaced) await dropGeneration(id, replaced);
    },

    async get(id) {
      for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
        const head = await heads.findOne({ _id: id });
        if (!head) return null;
        const bytes = await assemble(id, head);
        if (bytes) return bytes;
        // The head moved on while we read: its old chunks went away. Read the new head.
      }
      throw new Error(`chunked value ${id} keeps changing while read`);
    },

    async delete(id) {
      for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
        const head = await heads.findOne({ _id: id });
        if (!head) return;
        // Head first: once it is gone nobody reads the chunks, whatever happens next.
        if ((await heads.deleteOne({ _id: id, gen: head.gen })) === 1) {
          await dropGeneration(id, head.gen);
          return;
        }
      }
      throw new Error(`chunked value ${id}: too many concurrent writers`);
    },

    async purge(id) {
      // Head first (nobody reads the chunks after it), markers last (a cut-short purge is found again).
      await heads.deleteOne({ _id: id });
      await chunks.deleteMany({ blob: id });
      await gens.deleteMany({ blob: id });
    },

    async repair(now = new Date()) {
      const current = new Map<string, string>();
      for (const h of await heads.find({})) current.set(h._id, h.gen);
      let removed = 0;
      // Only markers old enough that no live writer (in this or another process) is still filling them.
      const cutoff = new Date(now.getTime() - ABANDONED_AFTER_MS);
      for (const g of await gens.find({ createdAt: { $lt: cutoff } })) {
        if (current.get(g.blob) !== g.gen) removed += await dropGeneration(g.blob, g.gen);
      }
      return removed;
    },
  };
}
