/**
 * The realtime layer, the only code that knows Socket.IO: the server and its handshake (io.ts), the
 * broadcast port features receive (port.ts), the one event wrapper (kit.ts) and the spaces layer
 * (spaces.ts). `createRealtime` builds them on the shared HTTP server; features add their events with `use`.
 */
import type { Server as HttpServer } from 'node:http';
import type { Cluster } from '../cluster/redis';
import type { Ctx } from '../context';
import { connOf, SpaceRooms } from './connection';
import { askOtherProcesses, createIo, hearBroadcasts, type PersonHere } from './io';
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

/** A process that died a moment ago still counts until the adapter's heartbeat gives up on it. */
const FETCH_TIMEOUT_MS = 2_000;

/**
 * Builds the realtime layer on `httpServer`; it never listens by itself. With `cluster`, broadcasts,
 * `peopleIn` and presence cover the sockets of every process.
 */
export function createRealtime(httpServer: HttpServer, ctx: Ctx, cluster?: Cluster): Realtime {
  const io = createIo(httpServer, ctx, cluster);
  const log = ctx.logger.child({ cat: 'socket' });
  const spaceRooms = new SpaceRooms();
  const handlers = new Map<string, EventHandler>();

  /** Who is connected to this process in `room`: one entry per socket. */
  const peopleHere = (room: string): PersonHere[] => {
    const out: PersonHere[] = [];
    for (const id of io.sockets.adapter.rooms.get(room) ?? []) {
      const s = io.sockets.sockets.get(id);
      if (s) out.push({ userId: s.data.userId, name: s.data.name });
    }
    return out;
  };

  // Listeners of other processes' broadcasts, by event (RealtimePort.heard).
  const hearers = new Map<string, Set<(...args: unknown[]) => void>>();
  if (cluster) {
    hearBroadcasts(io, (event, args) => {
      for (const listener of hearers.get(event) ?? []) {
        try {
          listener(...args);
        } catch (err) {
          log.warn({ err, event }, 'a listener of another process broadcast failed');
        }
      }
    });
  }

  const port: RealtimePort = {
    toSpace: (spaceId, event, ...args) => void io.to(spaceRoom(spaceId)).emit(event, ...args),
    toUsers(userIds, event, ...args) {
      const ids = typeof userIds === 'string' ? [userIds] : userIds;
      if (ids.length) io.to(ids.map(userRoom)).emit(event, ...args);
    },
    toRoom: (room, event, ...args) => void io.to(room).emit(event, ...args),
    async peopleIn(room) {
      const here = peopleHere(room);
      if (!cluster) return here;
      // A process that stopped answering (killed a moment ago), or Redis failing the question, must not fail
      // or hold up the caller: this process's own sockets are then the best answer there is.
      const elsewhere = await new Promise<PersonHere[][]>((resolve) => {
        const done = (answers: PersonHere[][]) => {
          clearTimeout(timer);
          resolve(answers);
        };
        const timer = setTimeout(() => done([]), FETCH_TIMEOUT_MS);
        askOtherProcesses(io, 'people-in', room, (err: Error | null, answers: PersonHere[][]) => done(err ? [] : answers)).catch((err: unknown) => {
          log.warn({ err, room }, 'could not ask the other processes who is in a room');
          done([]);
        });
      });
      return [...here, ...elsewhere.flat().filter((p) => typeof p?.userId === 'string' && typeof p.name === 'string')];
    },
    heard(event, listener) {
      const set = hearers.get(event) ?? new Set();
      hearers.set(event, set);
      // The arguments come from another process: the listener checks their shape (see the port).
      const untyped = listener as (...args: unknown[]) => void;
      set.add(untyped);
      return () => void set.delete(untyped);
    },
  };
  // The other processes ask the same of this one (another process is trusted, its question still checked).
  if (cluster) {
    io.on('people-in', (room, ack) => {
      if (typeof room === 'string' && typeof ack === 'function') ack(peopleHere(room));
    });
  }

  // Membership removals arrive on every process (the cluster bus); each acts on its own sockets.
  const spaces = createSpacesLayer(ctx, port, {
    leaveRooms(userId, spaceId) {
      io.local.in(userRoom(userId)).socketsLeave([spaceRoom(spaceId), ...spaceRooms.of(spaceId)]);
    },
    toUserHere: (userId, event, ...args) => void io.local.to(userRoom(userId)).emit(event, ...args),
    clusterWide: Boolean(cluster),
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
