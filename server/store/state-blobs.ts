/**
 * Values of any size (whole Yjs states) owned by ONE small record that makes them visible: a snapshot
 * record, a version's metadata. The bytes go to a chunk store (chunks.ts) under a fresh id; the owner
 * record then names that id. The order makes every multi-step write safe without transactions:
 *
 *   write:  pending marker -> chunks -> head   | owner record (the commit point) | marker removed (settle)
 *   remove: pending marker (condemn)           | owner record deleted            | chunks + marker (drop)
 *
 * A crash anywhere leaves at worst a pending marker; `repair` (at start) looks at markers older than a
 * grace period: a blob its owner record names is kept, any other is deleted, and the marker goes. Readers
 * only ever follow an owner record, so they never see a half-written or half-deleted value.
 */
import { randomBytes } from 'node:crypto';
import { chunkIndexes, chunkStore } from './chunks';
import { DuplicateKeyError, type IndexSpec, type Store } from './port';

/**
 * A marker this old belongs to a write or removal that died: no live process (in a cluster) is between
 * its steps any more. As long as the chunk store's own grace, so a slow 100 MB write is never cut.
 */
export const BLOB_REPAIR_GRACE_MS = 10 * 60 * 1000;

interface PendingRecord {
  _id: string;
  createdAt: Date;
}

export interface StateBlobs {
  /** Stores `bytes` under a new id derived from `owner` (the owner record's id) and returns the id. */
  write(owner: string, bytes: Uint8Array): Promise<string>;
  /** The owner record naming `id` is stored: the write is complete. */
  settle(id: string): Promise<void>;
  /** The bytes under `id`, or null when they are gone (the owner record was replaced meanwhile). */
  read(id: string): Promise<Uint8Array | null>;
  /** Announces that the owner records of `ids` are about to be deleted (call BEFORE deleting them). */
  condemn(ids: string[]): Promise<void>;
  /** Deletes the bytes of `ids` once no record names them, then their markers. */
  drop(ids: string[]): Promise<void>;
  /**
   * Finishes what a crash cut short: for every marker older than the grace period, keeps the blob when
   * `isReferenced(id)` (an owner record names it) and deletes it otherwise, however far its writing got.
   * Reads only the markers, never every value. Idempotent. Returns how many blobs it deleted.
   */
  repair(isReferenced: (id: string) => Promise<boolean>, now: Date): Promise<number>;
}

/** The indexes a blob store named `name` needs. */
export function stateBlobIndexes(name: string): IndexSpec[] {
  return chunkIndexes(name);
}

/** The owner id a blob id was derived from (see `write`). */
export function blobOwner(id: string): string {
  return id.slice(0, id.lastIndexOf('~'));
}

/** Blob storage in collections `${name}`, `${name}Chunks`, `${name}Gens` and `${name}Pending`. */
export function createStateBlobs(store: Store, name: string): StateBlobs {
  const chunks = chunkStore(store, { name });
  const pending = store.collection<PendingRecord>(`${name}Pending`);

  async function mark(id: string): Promise<void> {
    try {
      await pending.insertOne({ _id: id, createdAt: new Date() });
    } catch (err) {
      // Already marked (a removal retried): the older marker stands.
      if (!(err instanceof DuplicateKeyError)) throw err;
    }
  }

  return {
    async write(owner, bytes) {
      // A fresh id per write: a retried or concurrent write never replaces bytes a record already names.
      const id = `${owner}~${randomBytes(6).toString('hex')}`;
      await mark(id);
      await chunks.put(id, bytes);
      return id;
    },
    async settle(id) {
      await pending.deleteOne({ _id: id });
    },
    read: (id) => chunks.get(id),
    async condemn(ids) {
      for (const id of ids) await mark(id);
    },
    async drop(ids) {
      for (const id of ids) {
        await chunks.delete(id);
        await pending.deleteOne({ _id: id });
      }
    },
    async repair(isReferenced, now) {
      let removed = 0;
      const cutoff = new Date(now.getTime() - BLOB_REPAIR_GRACE_MS);
      for (const m of await pending.find({ createdAt: { $lt: cutoff } })) {
        if (!(await isReferenced(m._id))) {
          // Whatever the write got to (marker, some chunks, the head), by index: no scan of all values.
          await chunks.purge(m._id);
          removed++;
        }
        await pending.deleteOne({ _id: m._id });
      }
      return removed;
    },
  };
}
