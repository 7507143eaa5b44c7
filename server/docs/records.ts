/** Stored document metadata and its repository (shared by the docs routes and the collab endpoint). */
import type { IndexSpec, Store } from '../store/port';

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
  };
}

export type DocsRepo = ReturnType<typeof createDocsRepo>;

/** A stored snapshot of a document's full state (named by a user, or automatic). */
export interface VersionRecord {
  _id: string;
  docId: string;
  name: string;
  kind: 'named' | 'auto';
  /** `Y.encodeStateAsUpdate` of the document when the version was taken. */
  state: Uint8Array;
  /** `Y.encodeStateVector` of that state: two versions with equal vectors hold the same content. */
  stateVector: Uint8Array;
  createdBy: string | null;
  createdAt: Date;
}

export const VERSION_INDEXES: IndexSpec[] = [
  { collection: 'docVersions', fields: { docId: 1, createdAt: -1 } },
  { collection: 'docs', fields: { updatedAt: -1 } },
];

/** The versions repository (the store port has no projection: presenters drop the state from lists). */
export function createVersionsRepo(store: Store) {
  const versions = store.collection<VersionRecord>('docVersions');
  return {
    insert: (v: VersionRecord) => versions.insertOne(v),
    byId: (docId: string, id: string) => versions.findOne({ _id: id, docId }),
    ofDoc: (docId: string, limit = 200) => versions.find({ docId }, { sort: { createdAt: -1, _id: -1 }, limit }),
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
