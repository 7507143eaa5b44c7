/**
 * The durable form of a document: an append-only log of Yjs updates (`docUpdates`) plus at most a few
 * snapshots (`docSnapshots`), through the storage port. A snapshot records the full state and the
 * highest log sequence number it covers, written in ONE insert; only after it is stored are the covered
 * updates and older snapshots deleted. Loading takes the newest snapshot and replays the updates after
 * it, so a crash between any two steps leaves a complete (if redundant) history, never a hole.
 */
import * as Y from 'yjs';
import { DuplicateKeyError, type IndexSpec, type Store } from '../store/port';

export interface UpdateRecord {
  _id: string;
  docId: string;
  seq: number;
  update: Uint8Array;
  createdAt: Date;
  /** The fencing token of the owner that wrote it (cluster only). */
  token?: number;
}

export interface SnapshotRecord {
  _id: string;
  docId: string;
  /** Every update with `seq <= this.seq` is contained in `state`. */
  seq: number;
  state: Uint8Array;
  createdAt: Date;
}

export const UPDATES = 'docUpdates';
export const SNAPSHOTS = 'docSnapshots';
/** One record per document run by a cluster: the fencing token of its current owner. */
export const OWNERS = 'docOwners';

export interface OwnerRecord {
  _id: string;
  token: number;
}

/** A write by an owner whose fencing token is no longer the document's: refused, never acknowledged. */
export class StaleOwnerError extends Error {
  override name = 'StaleOwnerError';
}

/**
 * Sequence numbers of an owner's writes start at `token * SEQ_SPAN`: a newer owner's records always sort
 * after an older one's, so neither can take the other's numbers, and a stale owner's compaction (which
 * removes `seq <= its snapshot`) can never reach a newer owner's records.
 */
export const SEQ_SPAN = 2 ** 24;

/** Indexes the collab core needs; the feature that wires it in adds them. */
export const COLLAB_INDEXES: IndexSpec[] = [
  { collection: UPDATES, fields: { docId: 1, seq: 1 }, unique: true },
  { collection: SNAPSHOTS, fields: { docId: 1, seq: 1 }, unique: true },
];

/** What a load returns: the state and where the log stands. */
export interface LoadedLog {
  doc: Y.Doc;
  /** Highest sequence number stored (snapshot or update); the next update gets `lastSeq + 1`. */
  lastSeq: number;
  /** Updates stored after the newest snapshot, and their bytes. */
  updatesSinceSnapshot: number;
  bytesSinceSnapshot: number;
  /** Size of the newest snapshot (0 without one). */
  snapshotBytes: number;
}

const pad = (n: number) => n.toString().padStart(12, '0');

/** Repository over the two collections. */
export function createUpdateLog(store: Store, now: () => number) {
  const updates = store.collection<UpdateRecord>(UPDATES);
  const snapshots = store.collection<SnapshotRecord>(SNAPSHOTS);
  const owners = store.collection<OwnerRecord>(OWNERS);

  async function checkToken(docId: string, token: number): Promise<void> {
    const stored = await owners.findOne({ _id: docId });
    if (stored?.token !== token) throw new StaleOwnerError(`document ${docId} has a newer owner (token ${stored?.token ?? 'none'}, ours ${token})`);
  }

  return {
    /** Loads the newest snapshot and the updates after it into a fresh Y.Doc (gc on). Throws if the store fails. */
    async load(docId: string): Promise<LoadedLog> {
      const [snap] = await snapshots.find({ docId }, { sort: { seq: -1 }, limit: 1 });
      const after = snap ? snap.seq : 0;
      const rest = await updates.find({ docId, seq: { $gt: after } }, { sort: { seq: 1 } });
      const doc = new Y.Doc({ gc: true });
      const parts: Uint8Array[] = [];
      if (snap) parts.push(snap.state);
      for (const r of rest) parts.push(r.update);
      // One merged apply integrates faster than many small ones for long logs.
      if (parts.length === 1) Y.applyUpdate(doc, parts[0]!);
      else if (parts.length > 1) Y.applyUpdate(doc, Y.mergeUpdates(parts));
      const lastSeq = rest.length ? rest[rest.length - 1]!.seq : after;
      const bytesSinceSnapshot = rest.reduce((n, r) => n + r.update.length, 0);
      return { doc, lastSeq, updatesSinceSnapshot: rest.length, bytesSinceSnapshot, snapshotBytes: snap ? snap.state.length : 0 };
    },

    /**
     * Appends one (merged) update under `seq`; resolves once the store has it. With a fencing `token`, the
     * write then checks the token is still the document's: written before a newer owner fenced (and so
     * loaded by it), or refused with StaleOwnerError (and never acknowledged).
     */
    async append(docId: string, seq: number, update: Uint8Array, token?: number): Promise<void> {
      await updates.insertOne({ _id: `${docId}:${pad(seq)}`, docId, seq, update, createdAt: new Date(now()), ...(token === undefined ? {} : { token }) });
      if (token !== undefined) await checkToken(docId, token);
    },

    /**
     * Makes `token` the document's fencing token unless a higher one is stored (a conditional update):
     * returns null when it took, else the higher token that stands. After it took, a load sees every
     * write an older owner may still acknowledge.
     */
    async fence(docId: string, token: number): Promise<number | null> {
      try {
        await owners.updateOne({ _id: docId, token: { $lt: token } }, { $set: { token } }, { upsert: true });
      } catch (err) {
        if (!(err instanceof DuplicateKeyError)) throw err;
      }
      const stored = await owners.findOne({ _id: docId });
      return stored?.token === token ? null : (stored?.token ?? 0);
    },

    /**
     * Writes `state` as a snapshot covering `seq` (one insert), then removes what it makes redundant.
     * A failure after the insert leaves extra records that the next compaction removes.
     */
    async compact(docId: string, seq: number, state: Uint8Array, token?: number): Promise<void> {
      await snapshots.insertOne({ _id: `${docId}:${pad(seq)}`, docId, seq, state, createdAt: new Date(now()) });
      // A stale owner removes nothing: its snapshot stays as a harmless extra (a newer owner's sort after it).
      if (token !== undefined) await checkToken(docId, token);
      await updates.deleteMany({ docId, seq: { $lte: seq } });
      await snapshots.deleteMany({ docId, seq: { $lt: seq } });
    },
  };
}

export type UpdateLog = ReturnType<typeof createUpdateLog>;
