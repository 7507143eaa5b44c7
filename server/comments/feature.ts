/**
 * The comments feature: threads anchored in documents, stored by the server (never in the shared Yjs
 * document), live to everyone in the space's room, with mentions and replies in the notification bell.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { templateById } from '../../shared/templates';
import { resolveMentions } from '../chat/mentions';
import { createDocsRepo } from '../docs/records';
import { rateLimited } from '../errors';
import type { Feature } from '../feature';
import { spaceRoom, userRoom, type IoServer } from '../realtime/io';
import type { CommentsDeps } from './commands';
import { COMMENT_INDEXES, createThreadsRepo } from './records';
import { commentRoutes } from './routes';
import { commentsSocket, docRoom } from './socket';

export const commentsFeature: Feature = {
  name: 'comments',
  indexes: COMMENT_INDEXES,
  create(ctx) {
    const docs = createDocsRepo(ctx.store);
    let io: IoServer | null = null;
    // 30 writes a minute per person: a lively review, not a flood. Watching: a page opened now and then.
    const limiters = { write: new RateLimiterMemory({ points: 30, duration: 60 }), watch: new RateLimiterMemory({ points: 60, duration: 60 }) };
    const deps: CommentsDeps = {
      ctx,
      repo: createThreadsRepo(ctx.store),
      async docFacts(docId) {
        const d = await docs.byId(docId);
        if (!d) return null;
        return { id: d._id, spaceId: d.spaceId, title: d.title, kind: templateById(d.template)?.kind ?? 'rich', archived: d.archived, createdBy: d.createdBy };
      },
      mentions: (spaceId, authorId, text) => resolveMentions(ctx, spaceId, authorId, text),
      changed: (spaceId, thread) => void io?.to([spaceRoom(spaceId), docRoom(thread.docId)]).emit('thread:changed', { thread }),
      removed: (spaceId, docId, threadId) => void io?.to([spaceRoom(spaceId), docRoom(docId)]).emit('thread:removed', { docId, threadId }),
      notify: async () => undefined,
      moderated: async () => undefined,
      async limit(userId, kind = 'write') {
        try {
          await limiters[kind].consume(userId);
        } catch {
          throw rateLimited('Too many comments at once. Please wait a moment and try again.');
        }
      },
    };
    return {
      routes: () => commentRoutes(deps),
      socket: (socket) => commentsSocket(deps, socket),
      attach(_server, server) {
        io = server;
        // A removed member stops hearing about the space's documents at once.
        const off = ctx.bus.on('membership:removed', async ({ spaceId, userId }) => {
          for (const s of await server.in(userRoom(userId)).fetchSockets()) {
            for (const room of s.rooms) {
              if (!room.startsWith('doc:')) continue;
              const facts = await deps.docFacts(room.slice(4));
              if (!facts || facts.spaceId === spaceId) s.leave(room);
            }
          }
        });
        return { close: async () => off() };
      },
    };
  },
};
