/**
 * Socket.IO on the shared HTTP server: Origin and login cookie checked at the handshake, and sockets
 * grouped in rooms per login and per user so a logout, an expiry or a rename reaches them.
 *
 * With a cluster (REDIS_URL) the Redis streams adapter carries broadcasts, `fetchSockets` and room
 * operations to every process. It reads a Redis stream from its last offset, so after a Redis restart it
 * resumes where it stopped instead of losing what was sent meanwhile (the pub/sub adapter drops it).
 * The bus listeners below act on this process's sockets only (`io.local`): the cluster bus delivers
 * their events to every process, and each one closes or renames its own.
 */
import type { Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { Server, type Socket } from 'socket.io';
import { MessageType, type ClusterMessage } from 'socket.io-adapter';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from '../../shared/events';
import type { Cluster } from '../cluster/redis';
import type { Ctx } from '../context';
import { originAllowed } from '../http/origin';
import { loginRoom, userRoom } from './rooms';

// The Redis streams adapter (a CommonJS package) is required only with a cluster, so a single process
// does not load it; createIo stays synchronous.
const requireLazily = createRequire(import.meta.url);
const redisStreamsAdapter = (): typeof import('@socket.io/redis-streams-adapter') => requireLazily('@socket.io/redis-streams-adapter');

/** Someone connected to a process, as the others are told. */
export interface PersonHere {
  userId: string;
  name: string;
}

/**
 * What one process asks the others (with a cluster, through the adapter): who is connected there in a room.
 * Each answers from its own sockets, one small entry per socket (asking with `fetchSockets` would serialize
 * every socket's handshake, its headers included, for every join of a big space).
 */
export interface InterServerEvents {
  'people-in': (room: string, ack: (people: PersonHere[]) => void) => void;
}

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Creates the Socket.IO server; it never listens by itself. */
export function createIo(httpServer: HttpServer, ctx: Ctx, cluster?: Cluster): IoServer {
  const io: IoServer = new Server(httpServer, {
    ...(cluster ? { adapter: redisStreamsAdapter().createAdapter(cluster.client, { streamName: 'collab:socket.io' }) } : {}),
    path: '/socket.io',
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    // The Yjs upgrade handler authenticates asynchronously; engine.io must not destroy its requests.
    destroyUpgrade: false,
    allowRequest: (req, cb) => {
      if (!originAllowed(req, ctx.config.allowedOrigins)) return cb('forbidden', false);
      cb(null, true);
    },
  });

  io.use(async (socket, next) => {
    try {
      const session = await ctx.logins.fromCookieHeader(socket.request.headers.cookie);
      if (!session) return next(new Error('authentication_required'));
      socket.data.userId = session.user._id;
      socket.data.name = session.user.name;
      socket.data.loginId = session.id;
      ctx.logins.watch(session);
      next();
    } catch (err) {
      ctx.logger.error({ err }, 'socket handshake failed');
      next(new Error('unavailable'));
    }
  });

  io.on('connection', (socket) => {
    void socket.join([loginRoom(socket.data.loginId), userRoom(socket.data.userId)]);
  });

  ctx.bus.on('login:revoked', ({ loginId }) => {
    io.local.in(loginRoom(loginId)).disconnectSockets(true);
  });

  // The handshake copied the name; a rename updates it in place (synchronously, so a message sent right
  // after the rename's answer already carries the new name). Per process, like presence.
  ctx.bus.on('user:renamed', ({ userId, name }) => {
    for (const id of io.sockets.adapter.rooms.get(userRoom(userId)) ?? []) {
      const socket = io.sockets.sockets.get(id);
      if (socket) socket.data.name = name;
    }
  });

  return io;
}

/**
 * `io.serverSideEmit` with an acknowledgement, but with the adapter's promise kept: the cluster adapter
 * first asks Redis how many processes there are, and when that fails (a connection dropped with the
 * question in flight, a client already closed at shutdown) `io.serverSideEmit` leaves the rejection
 * unhandled, which ends the process. Here the caller gets it.
 */
export async function askOtherProcesses<E extends keyof InterServerEvents>(
  io: IoServer,
  event: E,
  question: Parameters<InterServerEvents[E]>[0],
  answered: (err: Error | null, answers: Parameters<Parameters<InterServerEvents[E]>[1]>[0][]) => void,
): Promise<void> {
  const adapter = io.of('/').adapter as unknown as { serverSideEmit(packet: unknown[]): Promise<void> | void };
  await adapter.serverSideEmit([event, question, answered]);
}

/**
 * Calls `hear` with the event and arguments of each broadcast another process sends through the adapter,
 * just before this process delivers it to its own sockets (RealtimePort.heard). The adapter has no hook
 * for this: every message read from the stream goes through its `onMessage` (socket.io-adapter's
 * ClusterAdapter), which is wrapped here. This process's own broadcasts come back from the stream too;
 * they are skipped, as the adapter skips them.
 */
export function hearBroadcasts(io: IoServer, hear: (event: string, args: unknown[]) => void): void {
  const adapter = io.of('/').adapter as unknown as { uid: string; onMessage(message: ClusterMessage, offset?: string): void };
  const deliver = adapter.onMessage.bind(adapter);
  adapter.onMessage = (message, offset) => {
    if (message.type === MessageType.BROADCAST && message.uid !== adapter.uid) {
      const args: unknown = (message.data as { packet?: { data?: unknown } }).packet?.data;
      if (Array.isArray(args) && typeof args[0] === 'string') hear(args[0], args.slice(1));
    }
    deliver(message, offset);
  };
}
