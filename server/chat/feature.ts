/**
 * The discussion feature: channels, messages, threads, reactions, read markers, notifications and
 * search, over Socket.IO and /api. `createChatFeature(options)` lets tests and benchmarks change the
 * rate limits; the app registers `chatFeature` with the defaults.
 */
import type { Feature } from '../feature';
import { openGeneral } from './channels';
import { DuplicateKeyError } from '../store/port';
import { chatEvents } from './events';
import { forgetDeletedAuthors } from './former-member';
import { repairModeration } from './moderation';
import { notifyJoinRequests } from './join-notify';
import { noticeSpaceIds, notifyNotice, withdrawNotices } from './notify';
import { CHAT_INDEXES, createChatRepo } from './records';
import { chatRoutes } from './routes';
import { numberOldMessages } from './sequence';
import { chatSpaceData } from './space-data';
import { createChatDeps, type ChatOptions } from './service';

/** Builds the feature with the given limits. */
export function createChatFeature(options: ChatOptions = {}): Feature {
  return {
    name: 'chat',
    indexes: CHAT_INDEXES,
    create(ctx, ports) {
      const deps = createChatDeps(ctx, createChatRepo(ctx.store), ports, options);
      // Every space starts with its `general` channel; the space is not created (nor visible) until it
      // exists. Idempotent: the repair of a space a crash cut short emits `space:created` again.
      // A request to join becomes a notification for the space's facilitators.
      const offJoin = notifyJoinRequests(deps);
      const offDeleted = forgetDeletedAuthors(deps);
      const off = ctx.bus.on('space:created', ({ spaceId, userId, at }) => openGeneral(deps, spaceId, userId, at));
      // In a cluster, a message stored by another process is heard as it is broadcast: sends here number
      // above it at once instead of first colliding with it (sequence.ts).
      const offHeard = ports.realtime.heard('message:new', (p) => deps.sequencer.learn(String(p?.message?.channelId), Number(p?.message?.seq)));
      ports.spaceData?.register(chatSpaceData(ctx.store));
      return {
        routes: () => chatRoutes(deps),
        events: chatEvents(deps),
        // The bell and the moderation log are the discussion's; comments on documents use them too.
        provides: {
          notices: {
            notify: (n) => notifyNotice(deps, n),
            withdraw: (subject) => withdrawNotices(deps, subject),
            async moderated(m) {
              try {
                await deps.repo.moderation.insert({ _id: `cmt-${m.commentId}`, ...m, action: 'comment.delete', channelId: '', reason: '', pending: true });
              } catch (err) {
                // A retry (or a second facilitator at once): the first entry stands; the removal goes on.
                if (!(err instanceof DuplicateKeyError)) throw err;
              }
            },
            moderationDone: async (commentId) => (await deps.repo.moderation.commit(`cmt-${commentId}`)) !== null,
            pendingCommentModerations: async () =>
              (await deps.repo.moderation.pending()).flatMap((e) =>
                e.action === 'comment.delete' && e.commentId
                  ? [{ spaceId: e.spaceId, docId: e.docId ?? '', docTitle: e.docTitle ?? '', messageId: e.messageId, commentId: e.commentId, actorId: e.actorId, authorId: e.authorId, text: e.text, at: e.at }]
                  : [],
              ),
            unreadAmong: async (userId, ids) => (await deps.repo.notifications.unreadAmong(userId, ids, await noticeSpaceIds(deps, userId))).map((n) => n._id),
          },
        },
        // Messages of an older release get their sequence numbers before history is served (sequence.ts);
        // moderations a crash cut short (the log entry written, the removal maybe not) are finished.
        async repair() {
          const n = await numberOldMessages(ctx.store, undefined, ctx.logger);
          if (n > 0) ctx.logger.info({ cat: 'chat', numbered: n }, 'numbered stored messages for ordered history');
          await repairModeration(deps);
        },
        async close() {
          offJoin();
          offDeleted();
          off();
          offHeard();
          deps.channelCache.close();
        },
      };
    },
  };
}

export const chatFeature = createChatFeature();
