/**
 * Socket.IO on the shared HTTP server: Origin and session cookie checked at the handshake, sockets
 * grouped in rooms per session and per user so logout and removal can reach them, and features
 * registered per socket.
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from '../../shared/events';
import type { Ctx } from '../context';
import { originAllowed } from '../http/origin';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** A feature adds its handlers to each authenticated socket. */
export type SocketFeature = (socket: IoSocket) => void;

export const sessionRoom = (sessionId: string) => `session:${sessionId}`;
export const userRoom = (userId: string) => `user:${userId}`;
export const spaceRoom = (spaceId: string) => `space:${spaceId}`;

/** Creates the Socket.IO server; it never listens by itself. */
export function createIo(httpServer: HttpServer, ctx: Ctx): IoServer {
  const io: IoServer = new Server(httpServer, {
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
      const session = await ctx.sessions.fromCookieHeader(socket.request.headers.cookie);
      if (!session) return next(new Error('authentication_required'));
      socket.data.userId = session.user._id;
      socket.data.name = session.user.name;
      socket.data.sessionId = session.id;
      ctx.sessions.watch(session);
      next();
    } catch (err) {
      ctx.logger.error({ err }, 'socket handshake failed');
      next(new Error('unavailable'));
    }
  });

  io.on('connection', (socket) => {
    void socket.join([sessionRoom(socket.data.sessionId), userRoom(socket.data.userId)]);
  });

  ctx.bus.on('session:revoked', ({ sessionId }) => {
    io.in(sessionRoom(sessionId)).disconnectSockets(true);
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
