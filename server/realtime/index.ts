/**
 * The realtime layer, the only code that knows Socket.IO: the server and its handshake (io.ts), the
 * broadcast port features receive (port.ts), the one event wrapper (kit.ts) and the spaces layer
 * (spaces.ts). `createRealtime` builds them on the shared HTTP server; features add their events with `use`.
 */
import type { Server as HttpServer } from 'node:http';
import type { Ctx } from '../context';
import { connOf, SpaceRooms } from './connection';
import { createIo } from './io';
import type { EventHandler } from './kit';
import type { RealtimePort } from './port';
import { spaceRoom, userRoom } from './rooms';
import { createSpacesLayer } from './spaces';

export interface Realtime {
  port: RealtimePort;
  /** Adds events every authenticated connection answers. */
  use(events: EventHandler[]): void;
  /** Disconnects every socket (before the features flush). */
  disconnectAll(): void;
  /** Closes the Socket.IO server. */
  close(): Promise<void>;
}

/** Builds the realtime layer on `httpServer`; it never listens by itself. */
export function createRealtime(httpServer: HttpServer, ctx: Ctx): Realtime {
  const io = createIo(httpServer, ctx);
  const log = ctx.logger.child({ cat: 'socket' });
  const spaceRooms = new SpaceRooms();
  const handlers = new Map<string, EventHandler>();

  const port: RealtimePort = {
    toSpace: (spaceId, event, ...args) => void io.to(spaceRoom(spaceId)).emit(event, ...args),
    toUsers(userIds, event, ...args) {
      const ids = typeof userIds === 'string' ? [userIds] : userIds;
      if (ids.length) io.to(ids.map(userRoom)).emit(event, ...args);
    },
    toRoom: (room, event, ...args) => void io.to(room).emit(event, ...args),
    async peopleIn(room) {
      const sockets = await io.in(room).fetchSockets();
      return sockets.map((s) => ({ userId: s.data.userId, name: s.data.name }));
    },
  };

  const spaces = createSpacesLayer(ctx, port, (userId, spaceId) => {
    io.in(userRoom(userId)).socketsLeave([spaceRoom(spaceId), ...spaceRooms.of(spaceId)]);
  });

  const use = (events: EventHandler[]) => {
    for (const h of events) {
      if (handlers.has(h.event)) throw new Error(`Socket event ${h.event} is handled twice`);
      handlers.set(h.event, h);
    }
  };
  use(spaces.events);

  io.on('connection', (socket) => {
    const conn = connOf(socket, spaceRooms);
    for (const h of handlers.values()) {
      // Untyped on purpose: the payload is whatever the client sent; `handle` parses it.
      (socket as unknown as { on(e: string, l: (...a: unknown[]) => void): void }).on(h.event, (payload: unknown, ack: unknown) => {
        // `emit(event, cb)` with no payload puts the callback first.
        if (typeof payload === 'function' && ack === undefined) [payload, ack] = [undefined, payload];
        void h.handle(conn, payload, log).then((res) => {
          if (typeof ack === 'function') ack(res);
        });
      });
    }
    socket.on('disconnecting', () => spaces.disconnected(conn));
  });

  return {
    port,
    use,
    disconnectAll: () => void io.disconnectSockets(true),
    async close() {
      spaces.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
