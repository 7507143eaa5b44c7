/**
 * Comment use-cases: every read and write checks the document's space through the policy, then changes
 * one thread record, then tells everyone viewing (thread:changed) and notifies who should hear of it.
 */
import { COMMENTS_PER_THREAD_MAX, QUOTE_MAX, type CommentRights, type CreateThreadBody, type ThreadStatus, type ThreadView } from '../../shared/comments';
import { accessWithin, type SpaceAccess } from '../commands/access';
import type { Notice } from '../chat/notify';
import type { CommentNoticeSubject } from '../chat/records';
import type { DocInfo } from '../docs/port';
import type { Ctx } from '../context';
import { audit } from '../audit/audit';
import { crashPoint } from '../crash';
import type { CommentModeration } from '../feature';
import { conflict, forbidden, notFound } from '../errors';
import { newId } from '../ids';
import { authorize, can, type Action } from '../policies';
import { checkAnchor } from './anchors';
import { presentThread } from './presenters';
import type { CommentRecord, ThreadRecord, ThreadsRepo } from './records';

/** What the comments feature needs to know of a document (the docs feature's port answers it). */
export type DocFacts = DocInfo;

/** A notification about a thread, for the bell (and, later, email). */
export type CommentNotice = Notice;

export interface CommentsDeps {
  ctx: Ctx;
  repo: ThreadsRepo;
  docFacts(docId: string): Promise<DocFacts | null>;
  /** Ids of the space's members that `text` @mentions, never the author. */
  mentions(spaceId: string, authorId: string, text: string): Promise<string[]>;
  changed(spaceId: string, thread: ThreadView): void;
  removed(spaceId: string, docId: string, threadId: string): void;
  notify(n: CommentNotice): Promise<void>;
  /** Removes the notifications about a removed thread or comment (chat's bell). */
  withdraw(subject: CommentNoticeSubject): Promise<void>;
  /**
   * A facilitator removes someone else's comment: the space's moderation log keeps it. `moderated` writes
   * the entry pending, `moderationDone` makes it final once the comment is gone (server/feature.ts).
   */
  moderated(entry: CommentModeration): Promise<void>;
  moderationDone(commentId: string): Promise<boolean>;
  /** Throws rate_limited when `userId` writes (or starts watching documents) too fast. */
  limit(userId: string, kind?: 'write' | 'watch'): Promise<void>;
}

type Access = SpaceAccess & { doc: DocFacts };

/** Resolves a document for `userId` and authorizes `action` in its space; 404 hides other spaces' documents. */
async function accessDocument(d: CommentsDeps, docId: string, userId: string | null, action: Action): Promise<Access> {
  const doc = await d.docFacts(docId);
  if (!doc) throw notFound('That document');
  return { ...(await accessWithin(d.ctx, doc.spaceId, userId, action, 'That document')), doc };
}

/** Like accessDocument, for a write: nobody posts on an archived document. */
async function accessForWrite(d: CommentsDeps, docId: string, userId: string, action: Action): Promise<Access> {
  const a = await accessDocument(d, docId, userId, action);
  if (a.doc.archived) throw forbidden('This document is archived: its comments can be read but not changed.');
  await d.limit(userId);
  return a;
}

async function threadFor(d: CommentsDeps, threadId: string): Promise<ThreadRecord> {
  const t = await d.repo.byId(threadId);
  if (!t) throw notFound('That thread');
  return t;
}

const excerptOf = (text: string) => (text.length > 140 ? `${text.slice(0, 139)}…` : text);
const nameOf = async (d: CommentsDeps, userId: string) => (await d.ctx.repos.users.byId(userId))?.name ?? 'Former member';

/** Sends each notice after the answer; a failure is logged, never turned into a failed post. */
async function notifyAll(d: CommentsDeps, notices: CommentNotice[]): Promise<void> {
  for (const n of notices) {
    try {
      await d.notify(n);
    } catch (err) {
      d.ctx.logger.error({ err, threadId: n.threadId }, 'comment notification failed');
    }
  }
}

/** Every thread of a document, oldest first, and what the caller may do with them (whoever may read the document). */
export async function listThreads(d: CommentsDeps, userId: string | null, docId: string): Promise<{ threads: ThreadView[]; rights: CommentRights }> {
  const { actor, space, doc } = await accessDocument(d, docId, userId, 'docs.read');
  const open = !doc.archived;
  const rights: CommentRights = {
    post: open && can(actor, 'comments.post', space),
    suggest: open && doc.kind === 'rich' && can(actor, 'comments.suggest', space),
    resolve: open && can(actor, 'comments.resolve', space),
    decide: open && can(actor, 'suggestions.decide', space),
    moderate: open && can(actor, 'comments.moderate', space),
  };
  return { threads: (await d.repo.ofDoc(docId)).map(presentThread), rights };
}

/** Starts a thread with its first comment (and, for a suggestion, the proposed wording). */
export async function createThread(d: CommentsDeps, userId: string, docId: string, body: CreateThreadBody): Promise<ThreadView> {
  const wantsSuggestion = body.suggestion !== undefined && body.suggestion !== null;
  const { doc } = await accessForWrite(d, docId, userId, wantsSuggestion ? 'comments.suggest' : 'comments.post');
  checkAnchor(body.anchor, doc.kind);
  const at = new Date(d.ctx.now());
  const name = await nameOf(d, userId);
  const mentions = await d.mentions(doc.spaceId, userId, body.text);
  const t: ThreadRecord = {
    _id: newId(),
    docId,
    spaceId: doc.spaceId,
    anchor: body.anchor,
    quote: body.quote.slice(0, QUOTE_MAX),
    status: 'open',
    suggestion: wantsSuggestion ? body.suggestion! : null,
    authorId: userId,
    authorName: name,
    createdAt: at,
    updatedAt: at,
    statusBy: null,
    comments: [{ id: newId(), authorId: userId, authorName: name, text: body.text, mentions, createdAt: at, editedAt: null }],
  };
  await d.repo.insert(t);
  const view = presentThread(t);
  d.changed(doc.spaceId, view);
  const base = { spaceId: doc.spaceId, docId, docTitle: doc.title, threadId: t._id, commentId: t.comments[0]!.id, actor: { id: userId, name }, excerpt: excerptOf(body.text) };
  const notices: CommentNotice[] = mentions.map((id) => ({ ...base, userId: id, kind: 'comment-mention' }));
  if (doc.createdBy !== userId && !mentions.includes(doc.createdBy)) notices.push({ ...base, userId: doc.createdBy, kind: 'comment-thread' });
  void notifyAll(d, notices);
  return view;
}

/** Adds a reply; the thread's participants hear of it, the mentioned hear of the mention. */
export async function addComment(d: CommentsDeps, userId: string, threadId: string, text: string): Promise<{ comment: ThreadView['comments'][number]; thread: ThreadView }> {
  const t = await threadFor(d, threadId);
  const { doc } = await accessForWrite(d, t.docId, userId, 'comments.post');
  const at = new Date(d.ctx.now());
  const name = await nameOf(d, userId);
  const mentions = await d.mentions(doc.spaceId, userId, text);
  const c: CommentRecord = { id: newId(), authorId: userId, authorName: name, text, mentions, createdAt: at, editedAt: null };
  const updated = await d.repo.addComment(threadId, c, at, COMMENTS_PER_THREAD_MAX);
  if (!updated) {
    if (await d.repo.byId(threadId)) throw conflict(`A thread holds at most ${COMMENTS_PER_THREAD_MAX} comments: start a new thread.`);
    throw notFound('That thread');
  }
  const view = presentThread(updated);
  d.changed(doc.spaceId, view);
  const base = { spaceId: doc.spaceId, docId: doc.id, docTitle: doc.title, threadId, commentId: c.id, actor: { id: userId, name }, excerpt: excerptOf(text) };
  const participants = new Set(updated.comments.map((x) => x.authorId));
  participants.add(updated.authorId);
  const notices: CommentNotice[] = mentions.map((id) => ({ ...base, userId: id, kind: 'comment-mention' }));
  for (const p of participants) if (p !== userId && !mentions.includes(p)) notices.push({ ...base, userId: p, kind: 'comment-reply' });
  void notifyAll(d, notices);
  return { comment: view.comments[view.comments.length - 1]!, thread: view };
}

/** The author rewrites their own comment. */
export async function editComment(d: CommentsDeps, userId: string, threadId: string, commentId: string, text: string): Promise<ThreadView> {
  const t = await threadFor(d, threadId);
  const { doc } = await accessForWrite(d, t.docId, userId, 'comments.post');
  const c = t.comments.find((x) => x.id === commentId);
  if (!c) throw notFound('That comment');
  if (c.authorId !== userId) throw forbidden('Only its author can edit a comment.');
  const at = new Date(d.ctx.now());
  const comments = t.comments.map((x) => (x.id === commentId ? { ...x, text, editedAt: at } : x));
  const updated = await d.repo.setComments(threadId, comments, at);
  if (!updated) throw notFound('That thread');
  const view = presentThread(updated);
  d.changed(doc.spaceId, view);
  return view;
}

/**
 * Removes a comment: its author, or a facilitator (recorded in the moderation log). Removing the first
 * comment removes the whole thread, since the thread is that comment's question.
 */
export async function deleteComment(d: CommentsDeps, userId: string, threadId: string, commentId: string): Promise<ThreadView | null> {
  const t = await threadFor(d, threadId);
  const { doc, actor, space } = await accessDocument(d, t.docId, userId, 'docs.read');
  const c = t.comments.find((x) => x.id === commentId);
  if (!c) throw notFound('That comment');
  const own = c.authorId === userId;
  if (!own) authorize(actor, 'comments.moderate', space);
  else if (!can(actor, 'docs.read', space)) throw forbidden();
  if (doc.archived) throw forbidden('This document is archived: its comments can be read but not changed.');
  await d.limit(userId);
  const at = new Date(d.ctx.now());
  // A moderation: the log entry first (pending, so not shown yet), then the removal, then the entry made
  // final. A crash between them leaves a pending entry that the repair at start finishes (repairCommentModerations).
  if (!own) {
    await d.moderated({ spaceId: doc.spaceId, docId: doc.id, docTitle: doc.title, messageId: threadId, commentId, actorId: userId, authorId: c.authorId, text: c.text, at });
    crashPoint('comment.moderation:after-log');
  }
  const removed = await removeComment(d.repo, t, commentId, at);
  // Its notifications go. Before a moderation is final, so a crash (or a failure) here leaves it pending and
  // the repair withdraws them; the author's own removal is done whatever happens here (a failure is logged).
  if (!own) await d.withdraw(removedSubject(removed, threadId, commentId));
  else await d.withdraw(removedSubject(removed, threadId, commentId)).catch((err: unknown) => d.ctx.logger.error({ err, threadId, commentId }, 'withdrawing notifications failed'));
  if (!own) {
    crashPoint('comment.moderation:after-removal');
    if (await d.moderationDone(commentId)) await auditRemoval(d, { id: userId, name: await nameOf(d, userId) }, { spaceId: doc.spaceId, docId: doc.id, threadId, commentId, authorId: c.authorId });
  }
  if (removed === 'thread') {
    d.removed(doc.spaceId, doc.id, threadId);
    return null;
  }
  if (!removed) throw notFound('That thread');
  const view = presentThread(removed);
  d.changed(doc.spaceId, view);
  return view;
}

/**
 * Removes one comment of `t` (the whole thread when it is the first: the thread is that comment's
 * question). Idempotent: a comment already gone changes nothing. Returns 'thread', the updated thread, or
 * null when the thread is gone.
 */
async function removeComment(repo: ThreadsRepo, t: ThreadRecord, commentId: string, at: Date): Promise<'thread' | ThreadRecord | null> {
  if (t.comments[0]?.id === commentId) {
    await repo.remove(t._id);
    return 'thread';
  }
  if (!t.comments.some((x) => x.id === commentId)) return t;
  return repo.setComments(t._id, t.comments.filter((x) => x.id !== commentId), at);
}

/** What the notifications to withdraw are about, after removeComment: the whole thread when it is gone. */
const removedSubject = (removed: Awaited<ReturnType<typeof removeComment>>, threadId: string, commentId: string): CommentNoticeSubject =>
  removed === 'thread' || removed === null ? { threadId } : { commentId };

/** The audit trail's entry for a facilitator's removal of someone's comment. */
async function auditRemoval(
  d: Pick<CommentsDeps, 'ctx'>,
  actor: { id: string; name: string },
  r: { spaceId: string; docId: string; threadId: string; commentId: string; authorId: string },
): Promise<void> {
  await audit(d.ctx, { action: 'comment.moderated', actor, spaceId: r.spaceId, target: { type: 'comment', id: r.commentId }, details: { authorId: r.authorId, threadId: r.threadId, docId: r.docId } });
}

/** Finishes every comment removal a crash cut short (the comments feature's repair at start). */
export async function repairCommentModerations(d: Pick<CommentsDeps, 'ctx' | 'repo' | 'moderationDone' | 'withdraw'>, pending: CommentModeration[]): Promise<void> {
  for (const p of pending) {
    const t = await d.repo.byId(p.messageId);
    const removed = t ? await removeComment(d.repo, t, p.commentId, new Date(d.ctx.now())) : null;
    await d.withdraw(removedSubject(removed, p.messageId, p.commentId));
    if (await d.moderationDone(p.commentId)) {
      const actor = await d.ctx.repos.users.byId(p.actorId);
      await auditRemoval(d, { id: p.actorId, name: actor?.name ?? '' }, { spaceId: p.spaceId, docId: p.docId, threadId: p.messageId, commentId: p.commentId, authorId: p.authorId });
    }
    d.ctx.logger.warn({ cat: 'repair', threadId: p.messageId, commentId: p.commentId }, 'finished a comment removal a crash had cut short');
  }
}

/**
 * Resolves, reopens, accepts or rejects. Accepting or rejecting is for suggestions only, and for those
 * who may edit (the accepting editor's client has already made the change as their own, undoable edit).
 */
export async function setStatus(d: CommentsDeps, userId: string, threadId: string, status: ThreadStatus): Promise<ThreadView> {
  const t = await threadFor(d, threadId);
  const decides = status === 'accepted' || status === 'rejected';
  const { doc } = await accessForWrite(d, t.docId, userId, decides ? 'suggestions.decide' : 'comments.resolve');
  if (decides && t.suggestion === null) throw conflict('Only a suggestion can be accepted or rejected.');
  const at = new Date(d.ctx.now());
  const updated = await d.repo.setStatus(threadId, status, { id: userId, name: await nameOf(d, userId) }, at);
  if (!updated) throw notFound('That thread');
  const view = presentThread(updated);
  d.changed(doc.spaceId, view);
  return view;
}
