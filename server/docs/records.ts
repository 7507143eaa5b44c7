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
