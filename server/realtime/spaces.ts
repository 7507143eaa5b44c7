/**
 * The spaces layer of realtime: `space:join` (membership checked, then the socket receives the space's
 * broadcasts) and `space:leave`, who is online in each space, and what membership changes do to open
 * sockets. Every feature broadcasting to a space relies on this check.
 */
import { spaceRefPayload } from '../../shared/chat';
import type { OnlineUser, ServerArgs, ServerToClientEvents } from '../../shared/events';
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

/** What the layer does to this process's own sockets (the bus brings each event to every process). */
export interface LocalSockets {
  /** Makes every socket of a user here leave rooms (the space's own and the feature rooms recorded for it). */
  leaveRooms(userId: string, spaceId: string): void;
  /** To the sockets of a user connected to this process. */
  toUserHere<E extends keyof ServerToClientEvents>(userId: string, event: E, ...args: ServerArgs<E>): void;
  /** True with several processes: who is online is then asked of every process's sockets. */
  clusterWide: boolean;
}

/** Builds the layer. */
export function createSpacesLayer(ctx: Ctx, port: RealtimePort, here: LocalSockets): SpacesLayer {
  // One process: the tracker knows everyone. Several: it knows this process's sockets only, so the list
  // comes from the sockets in the space's room on every process (through the adapter), one entry per user.
  const clusterOnline = async (spaceId: string): Promise<OnlineUser[]> => {
    const byUser = new Map<string, OnlineUser>();
    for (const p of await port.peopleIn(spaceRoom(spaceId))) byUser.set(p.userId, { userId: p.userId, name: p.name });
    return [...byUser.values()];
  };
  const presence = createPresence((spaceId, online) => {
    if (!here.clusterWide) return port.toSpace(spaceId, 'presence', { spaceId, online });
    clusterOnline(spaceId)
      .then((all) => port.toSpace(spaceId, 'presence', { spaceId, online: all }))
      .catch((err: unknown) => ctx.logger.error({ err, spaceId }, 'presence broadcast failed'));
  });
  const limit = ctx.limiter({ name: 'socket-spaces', points: 60, duration: 10, message: 'Too many actions at once.' });

  const offRemoved = ctx.bus.on('membership:removed', ({ spaceId, userId }) => {
    here.leaveRooms(userId, spaceId);
    if (presence.removeUser(spaceId, userId).length > 0) presence.changed(spaceId);
    here.toUserHere(userId, 'space:removed', { spaceId });
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
        const local = presence.join(spaceId, conn.id, { userId: conn.userId, name: conn.name });
        presence.changed(spaceId);
        return { online: here.clusterWide ? await clusterOnline(spaceId) : local };
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
