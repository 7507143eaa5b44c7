/**
 * The comments feature: threads anchored in documents, stored by the server (never in the shared Yjs
 * document), live to everyone in the space's room and the document's room, with mentions and replies in
 * the notification bell. It reaches documents through the docs port and the bell through chat's.
 */
import { resolveMentions } from '../chat/mentions';
import type { Feature } from '../feature';
import { spaceRoom } from '../realtime/rooms';
import { repairCommentModerations, type CommentsDeps } from './commands';
import { commentEvents, docRoom } from './events';
import { forgetDeletedCommenters } from './former-member';
import { COMMENT_INDEXES, createThreadsRepo } from './records';
import { commentRoutes } from './routes';
import { commentsSpaceData } from './space-data';

export const commentsFeature: Feature = {
  name: 'comments',
  indexes: COMMENT_INDEXES,
  create(ctx, ports) {
    const docs = ports.docs;
    if (!docs) throw new Error('the comments feature needs the docs feature');
    // 30 writes a minute per person: a lively review, not a flood. Watching: a page opened now and then.
    const writes = ctx.limiter({ name: 'comments-write', points: 30, duration: 60, message: 'Too many comments at once. Please wait a moment' });
    const watches = ctx.limiter({ name: 'comments-watch', points: 60, duration: 60 });
    ports.spaceData?.register(commentsSpaceData(ctx.store));
    const deps: CommentsDeps = {
      ctx,
      repo: createThreadsRepo(ctx.store),
      docFacts: (docId) => docs.info(docId),
      mentions: (spaceId, authorId, text) => resolveMentions(ctx, spaceId, authorId, text),
      changed: (spaceId, thread) => ports.realtime.toRoom([spaceRoom(spaceId), docRoom(thread.docId)], 'thread:changed', { thread }),
      removed: (spaceId, docId, threadId) => ports.realtime.toRoom([spaceRoom(spaceId), docRoom(docId)], 'thread:removed', { docId, threadId }),
      notify: async (n) => ports.notices?.notify(n),
      withdraw: async (subject) => ports.notices?.withdraw(subject),
      moderated: async (m) => ports.notices?.moderated(m),
      moderationDone: async (commentId) => (await ports.notices?.moderationDone(commentId)) ?? false,
      limit: (userId, kind = 'write') => (kind === 'write' ? writes : watches).enforce(userId),
    };
    // Exports with `comments=open` list the open threads as numbered notes.
    docs.provideExportNotes(async (docId) =>
      (await deps.repo.ofDoc(docId))
        .filter((t) => t.status === 'open')
        .map((t) => ({ to: 'lineId' in t.anchor ? null : t.anchor.to, quote: t.quote, comments: t.comments.map((c) => ({ author: c.authorName, text: c.text })) })),
    );
    const offDeleted = forgetDeletedCommenters(ctx);
    return {
      routes: () => commentRoutes(deps),
      events: commentEvents(deps, watches),
      // Comment removals by a facilitator that a crash cut short (log entry written, removal maybe not).
      repair: async () => repairCommentModerations(deps, (await ports.notices?.pendingCommentModerations()) ?? []),
      close: async () => offDeleted(),
    };
  },
};
