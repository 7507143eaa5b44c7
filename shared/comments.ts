/**
 * Comments and suggestions on documents (CONTRACT.md "Comments"): the shapes outside clients see and the
 * zod schemas that bound what they may send. Threads live in the server's store, never in the shared
 * Yjs document, so the server decides who may post, resolve and delete.
 */
import { z } from 'zod';

export const COMMENT_TEXT_MAX = 4000;
/** The quoted text at creation is a reminder of what was commented, so it is capped rather than refused. */
export const QUOTE_MAX = 1000;
/** A base64 Yjs relative position is a few dozen bytes; anything near this bound is not one. */
export const ANCHOR_B64_MAX = 512;
/** Replies per thread; a thread past this is a discussion that belongs in the channel. */
export const COMMENTS_PER_THREAD_MAX = 200;

export const THREAD_STATUSES = ['open', 'resolved', 'accepted', 'rejected'] as const;
export type ThreadStatus = (typeof THREAD_STATUSES)[number];

/** A range in the rich-text fragment (two relative positions) or a budget line by its stable id. */
export type ThreadAnchor = { from: string; to: string } | { lineId: string };

export interface CommentView {
  id: string;
  author: { id: string; name: string };
  text: string;
  createdAt: string;
  editedAt: string | null;
}

export interface ThreadView {
  id: string;
  docId: string;
  anchor: ThreadAnchor;
  quote: string;
  status: ThreadStatus;
  suggestion: string | null;
  author: { id: string; name: string };
  createdAt: string;
  updatedAt: string;
  /** Who last changed the status (resolved, accepted, rejected, reopened), when someone did. */
  statusBy: { id: string; name: string } | null;
  comments: CommentView[];
}

const base64 = z
  .string({ error: 'must be a base64 string' })
  .min(4, { error: 'must be a base64 Yjs relative position' })
  .max(ANCHOR_B64_MAX, { error: `must be at most ${ANCHOR_B64_MAX} characters` })
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, { error: 'must be base64' });

export const anchorSchema = z.union(
  [
    z.strictObject({ from: base64, to: base64 }),
    z.strictObject({ lineId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'lineId must be a budget line id' }) }),
  ],
  { error: 'anchor must be { from, to } (base64 relative positions) or { lineId }' },
);

export const commentText = z
  .string({ error: 'Text is required' })
  .trim()
  .min(1, { error: 'Write something first' })
  .max(COMMENT_TEXT_MAX, { error: `Text must be at most ${COMMENT_TEXT_MAX} characters` });

export const createThreadBody = z.strictObject({
  anchor: anchorSchema,
  quote: z.string({ error: 'quote must be text' }).max(100_000, { error: 'quote is too long' }),
  text: commentText,
  suggestion: z
    .string({ error: 'suggestion must be text' })
    .max(COMMENT_TEXT_MAX, { error: `A suggestion must be at most ${COMMENT_TEXT_MAX} characters` })
    .nullable()
    .optional(),
});
export type CreateThreadBody = z.infer<typeof createThreadBody>;

export const addCommentBody = z.strictObject({ text: commentText });
export const editCommentBody = z.strictObject({ text: commentText });
export const threadStatusBody = z.strictObject({
  status: z.enum(THREAD_STATUSES, { error: `status must be one of ${THREAD_STATUSES.join(', ')}` }),
});

/** A thread's anchor as the client resolved it: where it is drawn, or that its text was deleted. */
export const isLineAnchor = (a: ThreadAnchor): a is { lineId: string } => 'lineId' in a;

export const docRefPayload = z.strictObject({ docId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'docId must be a document id' }) });

/** What the caller may do with a document's threads (sent with the list, so the client asks no role). */
export interface CommentRights {
  post: boolean;
  suggest: boolean;
  resolve: boolean;
  decide: boolean;
  moderate: boolean;
}
