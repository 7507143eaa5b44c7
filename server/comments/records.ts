/**
 * Stored shapes of comment threads and their repository over the storage port. A thread and its
 * comments are ONE record, so posting a reply, resolving or deleting can never leave half a thread.
 */
import type { ThreadAnchor, ThreadStatus } from '../../shared/comments';
import type { IndexSpec, Store } from '../store/port';

export interface CommentRecord {
  id: string;
  authorId: string;
  /** The author's name when written, so listing threads needs no user lookups. */
  authorName: string;
  text: string;
  mentions: string[];
  createdAt: Date;
  editedAt: Date | null;
}

export interface ThreadRecord {
  _id: string;
  docId: string;
  spaceId: string;
  anchor: ThreadAnchor;
  quote: string;
  status: ThreadStatus;
  suggestion: string | null;
  authorId: string;
  authorName: string;
  createdAt: Date;
  updatedAt: Date;
  statusBy: { id: string; name: string } | null;
  comments: CommentRecord[];
}

export const COMMENT_INDEXES: IndexSpec[] = [{ collection: 'threads', fields: { docId: 1 } }];

/** The threads repository over one store. */
export function createThreadsRepo(store: Store) {
  const threads = store.collection<ThreadRecord>('threads');
  return {
    insert: (t: ThreadRecord) => threads.insertOne(t),
    byId: (id: string) => threads.findOne({ _id: id }),
    ofDoc: (docId: string) => threads.find({ docId }, { sort: { createdAt: 1 } }),
    countOfDoc: (docId: string) => threads.count({ docId }),
    /** Appends a comment while the thread has fewer than `max` (the filter makes it atomic). */
    addComment: (id: string, c: CommentRecord, at: Date, max: number) =>
      threads.findOneAndUpdate({ _id: id, [`comments.${max - 1}`]: { $exists: false } }, { $push: { comments: c }, $set: { updatedAt: at } }),
    /** Replaces the whole comment list (edits and removals rewrite the one record). */
    setComments: (id: string, comments: CommentRecord[], at: Date) => threads.findOneAndUpdate({ _id: id }, { $set: { comments, updatedAt: at } }),
    setStatus: (id: string, status: ThreadStatus, by: { id: string; name: string }, at: Date) =>
      threads.findOneAndUpdate({ _id: id }, { $set: { status, statusBy: by, updatedAt: at } }),
    remove: (id: string) => threads.deleteOne({ _id: id }),
  };
}

export type ThreadsRepo = ReturnType<typeof createThreadsRepo>;
