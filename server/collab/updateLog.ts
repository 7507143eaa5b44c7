/**
 * The durable form of a document: an append-only log of Yjs updates (`docUpdates`) plus at most a few
 * snapshots (`docSnapshots`), through the storage port. A snapshot's full state may pass MongoDB's 16 MB
 * record limit, so it is kept in chunks (`docStates`, server/store/state-blobs.ts) and the snapshot
 * record, which names them and the highest log sequence number they cover, is written after them in ONE
 * insert: the commit point. Only after it is stored are the covered updates and older snapshots deleted.
 * Loading takes the newest snapshot and replays the updates after it, so a crash between any two steps
 * leaves a complete (if redundant) history, never a hole; chunks a crash left unnamed go at the next
 * start (`repairUpdateLog`). Records written before chunked states (`state` inline) still load.
 */
import * as Y from 'yjs';
import { crashPoint } from '../crash';
import { DuplicateKeyError, type IndexSpec, type Store } from '../store/port';
import { blobOwner, createStateBlobs, stateBlobIndexes, type StateBlobs } from '../store/state-blobs';

export interface UpdateRecord {
  _id: string;
  docId: string;
  seq: number;
  /** The update, or (when larger than INLINE_UPDATE_MAX) absent and kept in chunks named by `blob`. */
  update?: Uint8Array;
  blob?: string;
  /** Bytes of a chunked update. */
  size?: number;
  createdAt: Date;
  /** The fencing token of the owner that wrote it (cluster only). */
  token?: number;
}

export interface SnapshotRecord {
  _id: string;
  docId: string;
  /** Every update with `seq <= this.seq` is contained in `state`. */
  seq: number;
  /** The chunks holding the full state (server/store/state-blobs.ts) and their size. */
  blob?: string;
  size?: number;
  /** The full state inline: only in snapshots written before chunked states. */
  state?: Uint8Array;
  createdAt: Date;
}

export const UPDATES = 'docUpdates';
export const SNAPSHOTS = 'docSnapshots';
/** The chunk store of snapshot states (and of the rare update too large for one record). */
export const STATES = 'docStates';

/**
 * An update merged from a long queue may pass what one record holds; past this size it is chunked like a
 * state. Below it (nearly always) an append stays one insert.
 */
export const INLINE_UPDATE_MAX = 8 * 1024 * 1024;
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
  ...stateBlobIndexes(STATES),
];

/** Loads retried when a concurrent compaction removed what a load was reading. */
const LOAD_ATTEMPTS = 5;

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

/** The bytes of a snapshot or update record (inline, or its chunks); null when a compaction removed them meanwhile. */
async function bytesOf(blobs: StateBlobs, inline: Uint8Array | undefined, blob: string | undefined): Promise<Uint8Array | null> {
  if (inline) return inline;
  return blob ? blobs.read(blob) : null;
}

/** Repository over the two collections. */
export function createUpdateLog(store: Store, now: () => number) {
  const updates = store.collection<UpdateRecord>(UPDATES);
  const snapshots = store.collection<SnapshotRecord>(SNAPSHOTS);
  const owners = store.collection<OwnerRecord>(OWNERS);
  const blobs = createStateBlobs(store, STATES);

  async function checkToken(docId: string, token: number): Promise<void> {
    const stored = await owners.findOne({ _id: docId });
    if (stored?.token !== token) throw new StaleOwnerError(`document ${docId} has a newer owner (token ${stored?.token ?? 'none'}, ours ${token})`);
  }

  /** One read of the log; null when a record's chunks vanished under it (a concurrent compaction). */
  async function tryLoad(docId: string): Promise<LoadedLog | null> {
    const [snap] = await snapshots.find({ docId }, { sort: { seq: -1 }, limit: 1 });
    const after = snap ? snap.seq : 0;
    const rest = await updates.find({ docId, seq: { $gt: after } }, { sort: { seq: 1 } });
    const parts: Uint8Array[] = [];
    const base = snap ? await bytesOf(blobs, snap.state, snap.blob) : null;
    if (snap && !base) return null;
    if (base) parts.push(base);
    let bytesSinceSnapshot = 0;
    for (const r of rest) {
      const update = await bytesOf(blobs, r.update, r.blob);
      if (!update) return null;
      parts.push(update);
      bytesSinceSnapshot += update.length;
    }
    const doc = new Y.Doc({ gc: true });
    // One merged apply integrates faster than many small ones for long logs.
    if (parts.length === 1) Y.applyUpdate(doc, parts[0]!);
    else if (parts.length > 1) Y.applyUpdate(doc, Y.mergeUpdates(parts));
    const lastSeq = rest.length ? rest[rest.length - 1]!.seq : after;
    return { doc, lastSeq, updatesSinceSnapshot: rest.length, bytesSinceSnapshot, snapshotBytes: base?.length ?? 0 };
  }

  /**
   * Deletes `records` (by `deleteRecords`) and the chunks they name: markers first, records, then chunks;
   * `gap` names the crash point between the records and their chunks.
   */
  async function removeWithBlobs<T extends { _id: string; blob?: string }>(records: T[], deleteRecords: () => Promise<unknown>, gap: string): Promise<void> {
    const owned = records.flatMap((r) => (r.blob ? [r.blob] : []));
    await blobs.condemn(owned);
    await deleteRecords();
    if (owned.length) crashPoint(gap);
    await blobs.drop(owned);
  }

  return {
    /** Loads the newest snapshot and the updates after it into a fresh Y.Doc (gc on). Throws if the store fails. */
    async load(docId: string): Promise<LoadedLog> {
      for (let attempt = 0; attempt < LOAD_ATTEMPTS; attempt++) {
        const loaded = await tryLoad(docId);
        if (loaded) return loaded;
      }
      throw new Error(`document ${docId}: its log keeps changing while loaded`);
    },

    /**
     * Appends one (merged) update under `seq`; resolves once the store has it. With a fencing `token`, the
     * write then checks the token is still the document's: written before a newer owner fenced (and so
     * loaded by it), or refused with StaleOwnerError (and never acknowledged). An update too large for one
     * record goes to chunks first; its record, inserted last, makes it visible.
     */
    async append(docId: string, seq: number, update: Uint8Array, token?: number): Promise<void> {
      const _id = `${docId}:${pad(seq)}`;
      const base = { _id, docId, seq, createdAt: new Date(now()), ...(token === undefined ? {} : { token }) };
      if (update.byteLength <= INLINE_UPDATE_MAX) {
        await updates.insertOne({ ...base, update });
      } else {
        const blob = await blobs.write(_id, update);
        crashPoint('collab.append:after-state');
        try {
          await updates.insertOne({ ...base, blob, size: update.byteLength });
        } catch (err) {
          // Not ours to name (the number is taken) or unknown: its chunks go now or at the next repair.
          await blobs.drop([blob]).catch(() => undefined);
          throw err;
        }
        await blobs.settle(blob);
      }
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
     * Writes `state` as a snapshot covering `seq`: its chunks, then the one record that makes it visible;
     * then removes what it makes redundant (covered updates, older snapshots, their chunks). A failure
     * after the record leaves extra records that the next compaction removes.
     */
    async compact(docId: string, seq: number, state: Uint8Array, token?: number): Promise<void> {
      const _id = `${docId}:${pad(seq)}`;
      const blob = await blobs.write(_id, state);
      crashPoint('collab.compact:after-state');
      try {
        await snapshots.insertOne({ _id, docId, seq, blob, size: state.byteLength, createdAt: new Date(now()) });
      } catch (err) {
        await blobs.drop([blob]).catch(() => undefined);
        throw err;
      }
      await blobs.settle(blob);
      crashPoint('collab.compact:after-snapshot');
      // A stale owner removes nothing: its snapshot stays as a harmless extra (a newer owner's sort after it).
      if (token !== undefined) await checkToken(docId, token);
      const covered = { docId, seq: { $lte: seq } };
      await removeWithBlobs(await updates.find({ ...covered, blob: { $exists: true } }), () => updates.deleteMany(covered), 'collab.compact:after-large-updates');
      crashPoint('collab.compact:after-updates');
      const older = { docId, seq: { $lt: seq } };
      await removeWithBlobs(await snapshots.find(older), () => snapshots.deleteMany(older), 'collab.compact:after-old-snapshots');
    },
  };
}

export type UpdateLog = ReturnType<typeof createUpdateLog>;

/**
 * At start: removes chunks that a crash left named by no snapshot or update record (a compaction or a
 * large append cut between its steps, more than the grace period ago). Idempotent.
 */
export async function repairUpdateLog(store: Store, now: Date): Promise<number> {
  const updates = store.collection<UpdateRecord>(UPDATES);
  const snapshots = store.collection<SnapshotRecord>(SNAPSHOTS);
  // Snapshot and update records share the id their blob ids derive from.
  const named = async (blob: string) => {
    const _id = blobOwner(blob);
    return (await snapshots.findOne({ _id }))?.blob === blob || (await updates.findOne({ _id }))?.blob === blob;
  };
  return createStateBlobs(store, STATES).repair(named, now);
}
