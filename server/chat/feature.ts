/**
 * The discussion feature: channels, messages, threads, reactions, read markers, notifications, presence
 * and search, over Socket.IO and /api. `createChatFeature(options)` lets tests and benchmarks change the
 * rate limits; the app registers `chatFeature` with the defaults.
 */
import type { Feature } from '../feature';
import { spaceRoom, userRoom } from '../realtime/io';
import { notifyJoinRequests } from './join-notify';
import { createPresence } from './presence';
import { CHAT_INDEXES, createChatRepo } from './records';
import { chatRoutes } from './routes';
import { createChatDeps, type ChatOptions } from './service';
import { chatSocket } from './socket';

/** Builds the feature with the given limits. */
export function createChatFeature(options: ChatOptions = {}): Feature {
  return {
    name: 'chat',
    indexes: CHAT_INDEXES,
    create(ctx) {
      const deps = createChatDeps(ctx, createChatRepo(ctx.store), options);
      const presence = createPresence((spaceId, online) => deps.out.toSpace(spaceId, 'presence', { spaceId, online }));
      return {
        routes: () => chatRoutes(deps),
        socket: (socket) => chatSocket(deps, presence, socket),
        attach(_server, io) {
          deps.out.bind(io);
          // A removed member's sockets leave the space's room at once, so they receive nothing more from it.
          const off = ctx.bus.on('membership:removed', ({ spaceId, userId }) => {
            io.in(userRoom(userId)).socketsLeave(spaceRoom(spaceId));
            if (presence.removeUser(spaceId, userId).length > 0) presence.changed(spaceId);
            io.to(userRoom(userId)).emit('space:removed', { spaceId });
          });
          // A renamed user shows under the new name in "Online now" (their stored messages keep the old one).
          const offRename = ctx.bus.on('user:renamed', ({ userId, name }) => {
            for (const spaceId of presence.rename(userId, name)) presence.changed(spaceId);
          });
          const offJoin = notifyJoinRequests(deps);
          return {
            async close() {
              offJoin();
              off();
              offRename();
              presence.close();
            },
          };
        },
      };
    },
  };
}

export const chatFeature = createChatFeature();
