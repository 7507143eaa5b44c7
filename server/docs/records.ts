/** Stored document metadata and its repository (shared by the docs routes and the collab endpoint). */
import { crashPoint } from '../crash';
import type { IndexSpec, Store } from '../store/port';
import { blobOwner, createStateBlobs, stateBlobIndexes } from '../store/state-blobs';

export interface DocRecord {
  _id: string;
  spaceId: string;
  title: string;
  template: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  archived: boolean;
}

export const DOC_INDEXES: IndexSpec[] = [{ collection: 'docs', fields: { spaceId: 1, updatedAt: -1 } }];

/** The docs repository over the storage port. */
export function createDocsRepo(store: Store) {
  const docs = store.collection<DocRecord>('docs');
  return {
    insert: (d: DocRecord) => docs.insertOne(d),
    byId: (id: string) => docs.findOne({ _id: id }),
    ofSpace: (spaceId: string, archived = false) => docs.find({ spaceId, archived }, { sort: { updatedAt: -1 } }),
    update: (id: string, set: Partial<DocRecord>) => docs.findOneAndUpdate({ _id: id }, { $set: set }),
    touch: (id: string, at: Date) => docs.updateOne({ _id: id }, { $set: { updatedAt: at } }),
    /** A space's non-archived documents whose title matches a safe, escaped regex, by title. */
    titled: (spaceId: string, titleRegex: RegExp, limit: number) =>
      docs.find({ spaceId, archived: false, title: { $regex: titleRegex } }, { sort: { title: 1 }, limit }),
  };
}

export type DocsRepo = ReturnType<typeof createDocsRepo>;

/** A version's metadata: a stored snapshot of a document's full state (named by a user, or automatic). */
export interface VersionRecord {
  _id: string;
  docId: string;
  name: string;
  kind: 'named' | 'auto';
  /** `Y.encodeStateVector` of the state: two versions with equal vectors hold the same content. */
  stateVector: Uint8Array;
  /** Size of the state in bytes. */
  size: number;
  createdBy: string | null;
  createdAt: Date;
  /**
   * The chunks holding the state (`docVersionBlobs`, server/store/state-blobs.ts), so a state past
   * MongoDB's 16 MB record limit stores. Absent on versions made before chunked states: theirs is a
   * VersionStateRecord.
   */
  blob?: string;
}

/** A version's state as versions made before chunked states kept it, apart from the metadata. */
export interface VersionStateRecord {
  /** The version's id. */
  _id: string;
  docId: string;
  /** `Y.encodeStateAsUpdate` of the document when the version was taken. */
  state: Uint8Array;
}

/** The chunk store of version states. */
/** The chunk store of version states. */
export const VERSION_BLOBS = 'docVersionBlobs';

export const VERSION_INDEXES: IndexSpec[] = [
  { collection: 'docVersions', fields: { docId: 1, createdAt: -1 } },
  { collection: 'docs', fields: { updatedAt: -1 } },
  ...stateBlobIndexes(VERSION_BLOBS),
];

/** The versions repository. */
export function createVersionsRepo(store: Store) {
  const versions = store.collection<VersionRecord>('docVersions');
  const states = store.collection<VersionStateRecord>('docVersionStates');
  const blobs = createStateBlobs(store, VERSION_BLOBS);
  return {
    /**
     * Stores the state's chunks first, then the metadata naming them (the commit point): a listed version
     * always has its state, and a crash before the metadata leaves only chunks that `repair` removes.
     */
    async insert(v: VersionRecord, state: Uint8Array): Promise<void> {
      const blob = await blobs.write(v._id, state);
      crashPoint('version.create:after-state');
      try {
        await versions.insertOne({ ...v, blob });
      } catch (err) {
        await blobs.drop([blob]).catch(() => undefined);
        throw err;
      }
      crashPoint('version.create:after-metadata');
      await blobs.settle(blob);
    },
    byId: (docId: string, id: string) => versions.findOne({ _id: id, docId }),
    /** A version's full state (from its chunks, or the separate record of an older version), or null. */
    async stateOf(docId: string, id: string): Promise<Uint8Array | null> {
      const v = await versions.findOne({ _id: id, docId });
      if (v?.blob) return blobs.read(v.blob);
      return (await states.findOne({ _id: id, docId }))?.state ?? null;
    },
    ofDoc: (docId: string, limit = 200) => versions.find({ docId }, { sort: { createdAt: -1, _id: -1 }, limit }),
    /**
     * Thins the sweep's automatic versions (kind auto, no author) taken before `before` to the latest one of
     * each UTC day. Named versions and "Before restore" ones (which have an author) are never removed.
     * Metadata goes first, so a listed version always has its state. Returns how many were removed.
     */
    async thinAutomatic(docId: string, before: Date): Promise<number> {
      const old = await versions.find({ docId, kind: 'auto', createdBy: null, createdAt: { $lt: before } }, { sort: { createdAt: -1, _id: -1 } });
      const days = new Set<string>();
      let removed = 0;
      for (const v of old) {
        const day = v.createdAt.toISOString().slice(0, 10);
        if (!days.has(day)) {
          days.add(day);
          continue;
        }
        const owned = v.blob ? [v.blob] : [];
        await blobs.condemn(owned);
        await versions.deleteOne({ _id: v._id, docId });
        crashPoint('version.thin:after-metadata');
        if (v.blob) await blobs.drop(owned);
        else await states.deleteOne({ _id: v._id, docId });
        removed++;
      }
      return removed;
    },
    /** At start: removes version chunks a crash left named by no version (older than the grace period). */
    repair: (now: Date) => blobs.repair(async (blob) => (await versions.findOne({ _id: blobOwner(blob) }))?.blob === blob, now),
    latest: (docId: string, kind?: VersionRecord['kind']) =>
      versions.find(kind ? { docId, kind } : { docId }, { sort: { createdAt: -1, _id: -1 }, limit: 1 }).then((r) => r[0] ?? null),
  };
}

export type VersionsRepo = ReturnType<typeof createVersionsRepo>;

/** Documents changed since `since` (candidates for an automatic version). */
export function docsUpdatedSince(store: Store, since: Date, limit = 500) {
  return store.collection<DocRecord>('docs').find({ updatedAt: { $gt: since }, archived: false }, { sort: { updatedAt: -1 }, limit });
}

/** Removes a document record (only used to undo a creation whose content could not be written). */
export function removeDocRecord(store: Store, id: string) {
  return store.collection<DocRecord>('docs').deleteOne({ _id: id });
}
