/**
 * The comments feature's part of a space's data (server/spacedata/port.ts): every comment thread on the
 * space's documents, with its replies, as JSON; and the erase of the space's threads.
 */
import type { SpaceDataPart } from '../spacedata/port';
import type { Store } from '../store/port';
import type { ThreadRecord } from './records';

/** The part over the store (the feature's own `threads` collection). */
export function commentsSpaceData(store: Store): SpaceDataPart {
  const threads = store.collection<ThreadRecord>('threads');
  return {
    name: 'comments',
    async export({ spaceId, sink }) {
      sink.file('comments/threads.json', async () => {
        const list = await threads.find({ spaceId }, { sort: { createdAt: 1, _id: 1 } });
        const out = list.map((t) => ({
          id: t._id,
          docId: t.docId,
          quote: t.quote,
          status: t.status,
          suggestion: t.suggestion,
          author: { id: t.authorId, name: t.authorName },
          createdAt: t.createdAt.toISOString(),
          comments: t.comments.map((c) => ({ id: c.id, author: { id: c.authorId, name: c.authorName }, text: c.text, createdAt: c.createdAt.toISOString(), editedAt: c.editedAt?.toISOString() ?? null })),
        }));
        return JSON.stringify(out, null, 2);
      });
      sink.describe('comments/threads.json  every comment thread on the documents (docId names the document in documents/index.json), with its replies and status.');
    },
    async erase(spaceId) {
      await threads.deleteMany({ spaceId });
    },
  };
}
