/**
 * The spaces layer of realtime: `space:join` (membership checked, then the socket receives the space's
 * broadcasts) and `space:leave`, who is online in each space, and what membership changes do to open
 * sockets. Every feature broadcasting to a space relies on this check.
 */
import { spaceRefPayload } from '../../shared/chat';
import { accessSpace } from '../commands/access';
import type { Ctx } from '../context';
import { on, type Conn, type EventHandler } from './kit';
import type { RealtimePort } from './port';
import { createPresence } from './presence';
import { spaceRoom } from './rooms';

export interface SpacesLayer {
  events: EventHandler[];
  /** Forgets a closing connection in every space it joined. */
  disconnected(conn: Conn): void;
  close(): void;
}

/**
 * Builds the layer. `leaveRooms` makes every socket of a user leave rooms (the space's own and the
 * feature rooms recorded for it).
 */
export function createSpacesLayer(ctx: Ctx, port: RealtimePort, leaveRooms: (userId: string, spaceId: string) => void): SpacesLayer {
  const presence = createPresence((spaceId, online) => port.toSpace(spaceId, 'presence', { spaceId, online }));
  const limit = ctx.limiter({ name: 'socket-spaces', points: 60, duration: 10, message: 'Too many actions at once.' });

  const offRemoved = ctx.bus.on('membership:removed', ({ spaceId, userId }) => {
    leaveRooms(userId, spaceId);
    if (presence.removeUser(spaceId, userId).length > 0) presence.changed(spaceId);
    port.toUsers(userId, 'space:removed', { spaceId });
  });
  // A renamed user shows under the new name in "Online now" (their stored messages keep the old one).
  const offRenamed = ctx.bus.on('user:renamed', ({ userId, name }) => {
    for (const spaceId of presence.rename(userId, name)) presence.changed(spaceId);
  });

  const events = [
    on('space:join', {
      schema: spaceRefPayload,
      limit,
      // Every member (guests included) and nobody else: `channels.read` is the policy's "reads the space's
      // live activity" right; `space.view` would also admit strangers to a listed space.
      authorize: ({ spaceId }, conn) => accessSpace(ctx, spaceId, conn.userId, 'channels.read'),
      async run({ spaceId }, conn) {
        await conn.join(spaceRoom(spaceId));
        const online = presence.join(spaceId, conn.id, { userId: conn.userId, name: conn.name });
        presence.changed(spaceId);
        return { online };
      },
    }),
    on('space:leave', {
      schema: spaceRefPayload,
      limit,
      async run({ spaceId }, conn) {
        await conn.leave(spaceRoom(spaceId));
        if (presence.leave(spaceId, conn.id)) presence.changed(spaceId);
        return {};
      },
    }),
  ];

  return {
    events,
    disconnected(conn) {
      for (const spaceId of presence.spacesOf(conn.id)) if (presence.leave(spaceId, conn.id)) presence.changed(spaceId);
    },
    close() {
      offRemoved();
      offRenamed();
      presence.close();
    },
  };
}
