/** Thread records -> the JSON shape of CONTRACT.md "Comments". */
import type { ThreadView } from '../../shared/comments';
import type { ThreadRecord } from './records';

/** The public shape of a thread; text is returned exactly as written. */
export function presentThread(t: ThreadRecord): ThreadView {
  return {
    id: t._id,
    docId: t.docId,
    anchor: t.anchor,
    quote: t.quote,
    status: t.status,
    suggestion: t.suggestion,
    author: { id: t.authorId, name: t.authorName },
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    statusBy: t.statusBy,
    comments: t.comments.map((c) => ({
      id: c.id,
      author: { id: c.authorId, name: c.authorName },
      text: c.text,
      createdAt: c.createdAt.toISOString(),
      editedAt: c.editedAt ? c.editedAt.toISOString() : null,
    })),
  };
}
