/**
 * The message loop of one accepted /yjs connection: size, frame type and rate are checked for every
 * message, in order, before the room sees it; a bad message closes only this connection (4413 too
 * large, 4400 malformed or a text frame, 4429 over the rate limit, 1011 our own failure).
 */
import type { RawData, WebSocket } from 'ws';
import { CLOSE_INTERNAL_ERROR, CLOSE_INVALID_MESSAGE, CLOSE_RATE_LIMITED, CLOSE_TOO_LARGE } from '../../shared/collab';
import type { Logger } from '../logger';
import { Conn } from './connection';
import type { RoomRegistry } from './registry';
import { InvalidMessage, type Room } from './room';
import type { CollabLimiter } from './types';
import type { Grant } from './upgrade';

export interface LoopDeps {
  registry: RoomRegistry;
  limiter: CollabLimiter;
  logger: Logger;
  maxBytes: number;
  /** A unique connection id (it travels through the fan-out as an origin and keys the rate limit). */
  nextId(): string;
}

const toBytes = (data: RawData): Uint8Array => {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
};

/** Returns the connection handler: wraps the socket in a Conn, adds it to the room and runs its messages. */
export function createMessageLoop(d: LoopDeps) {
  const { registry, limiter, logger, maxBytes } = d;

  /** The rate check; a limiter outage lets messages through (documents must not stop with it). */
  async function allowed(conn: Conn): Promise<boolean> {
    try {
      return await limiter.consume(conn.id);
    } catch (err) {
      logger.warn({ err, docId: conn.docId }, 'collab rate limiter failed; letting the message through');
      return true;
    }
  }

  function handle(conn: Conn, room: Room, bytes: Uint8Array): void {
    try {
      room.receive(conn, bytes);
    } catch (err) {
      if (err instanceof InvalidMessage) {
        logger.info({ docId: room.docId, userId: conn.userId, reason: err.message }, 'closing connection: invalid message');
        conn.close(CLOSE_INVALID_MESSAGE, 'invalid_message');
      } else {
        logger.error({ err, docId: room.docId }, 'handling collab message failed');
        conn.close(CLOSE_INTERNAL_ERROR, 'internal');
      }
    }
  }

  return function onConnection(ws: WebSocket, room: Room, grant: Grant): void {
    const conn = new Conn(
      d.nextId(),
      ws,
      { userId: grant.userId, loginId: grant.loginId, spaceId: grant.spaceId, docId: room.docId, canEdit: grant.canEdit, wantsSaved: grant.wantsSaved, validate: grant.validate },
      Math.max(16 * 1024 * 1024, 4 * maxBytes),
    );
    // ws closes an over-limit frame with 1009 before buffering it; the contract says 4413.
    const wsClose = ws.close.bind(ws);
    ws.close = ((code?: number, reason?: string | Buffer) =>
      code === 1009 ? wsClose(CLOSE_TOO_LARGE, 'payload_too_large') : wsClose(code, reason)) as typeof ws.close;
    ws.on('error', (err) => logger.debug({ err, docId: room.docId }, 'collab socket error'));
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('close', () => {
      conn.closed = true;
      try {
        room.remove(conn);
      } catch (err) {
        logger.error({ err, docId: room.docId }, 'removing connection failed');
      }
      registry.maybeScheduleUnload(room);
    });
    ws.on('message', (data, isBinary) => {
      if (conn.closed) return;
      const bytes = toBytes(data);
      if (bytes.byteLength > maxBytes) return conn.close(CLOSE_TOO_LARGE, 'payload_too_large');
      if (!isBinary) return conn.close(CLOSE_INVALID_MESSAGE, 'invalid_message');
      // The rate check is asynchronous; the chain keeps this connection's messages in arrival order.
      conn.chain = conn.chain.then(async () => {
        if (conn.closed) return;
        if (!(await allowed(conn))) return conn.close(CLOSE_RATE_LIMITED, 'rate_limited');
        if (!conn.closed) handle(conn, room, bytes);
      });
    });
    room.add(conn);
  };
}
