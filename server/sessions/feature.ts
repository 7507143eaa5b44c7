/**
 * Live PLC sessions as a feature: protocol-based sessions with one server-side timer per session, roles,
 * norms, a speaking queue, fist-to-five votes, decisions, action items and a summary (issue 5).
 */
import type { Feature } from '../feature';
import { userRoom } from '../realtime/io';
import { createSessionCommands } from './commands';
import { createSessionsCore } from './core';
import { createLiveCommands } from './live';
import { SESSION_INDEXES } from './records';
import { sessionRoutes } from './routes';
import { sessionSocket } from './socket';

export const sessionsFeature: Feature = {
  name: 'sessions',
  indexes: SESSION_INDEXES,
  create(ctx) {
    const core = createSessionsCore(ctx);
    const commands = createSessionCommands(core);
    const live = createLiveCommands(core);
    const log = ctx.logger.child({ cat: 'sessions' });
    // Which space each joined session belongs to, so a removed member's sockets can leave its rooms.
    const spaceOfSession = new Map<string, string>();

    return {
      routes: () => sessionRoutes(core, commands),
      socket: sessionSocket(live, log, (sessionId, spaceId) => spaceOfSession.set(sessionId, spaceId)),
      attach(_server, io) {
        core.setIo(io);
        const off = ctx.bus.on('membership:removed', ({ spaceId, userId }) => {
          void io
            .in(userRoom(userId))
            .fetchSockets()
            .then((sockets) => {
              for (const s of sockets) {
                for (const room of s.rooms) {
                  if (room.startsWith('live:') && spaceOfSession.get(room.slice(5)) === spaceId) s.leave(room);
                }
              }
            })
            .catch((err: unknown) => log.error({ err }, 'could not remove sockets from live sessions'));
        });
        return {
          async close() {
            off();
            await core.queue.drain();
          },
        };
      },
    };
  },
};
