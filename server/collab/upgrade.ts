/**
 * The /yjs/:docId upgrade: the mounter's hooks check the request (Origin, session) and the user's access
 * before any document byte is sent; the room is loaded (shared by concurrent upgrades), then the
 * WebSocket handshake completes. A refused upgrade gets a plain HTTP answer with the contract's JSON
 * error body: 403 bad Origin, 401 no session, 404 unknown or malformed doc id, 403 no access, 503 when the
 * document cannot be loaded (never an empty doc) or the core is closing.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { CLOSE_INTERNAL_ERROR, SAVED_PARAM, YJS_PATH } from '../../shared/collab';
import type { ErrorCode } from '../../shared/errors';
import { ERROR_STATUS } from '../../shared/errors';
import type { Logger } from '../logger';
import type { RoomRegistry } from './registry';
import type { Room } from './room';
import type { CollabHooks, CollabUser, DocAccess } from './types';

/** A refusal: the HTTP status comes from the error code. Hooks throw it. */
export class UpgradeRefusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'UpgradeRefusal';
  }
}

const DOC_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The doc id of a `/yjs/<docId>` request, `undefined` when the path is not ours, `null` when malformed. */
export function docIdOf(url: string | undefined): { docId: string | null; wantsSaved: boolean } | undefined {
  if (!url) return undefined;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (path !== YJS_PATH && !path.startsWith(`${YJS_PATH}/`)) return undefined;
  const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  const wantsSaved = params.get(SAVED_PARAM) === '1';
  let raw: string;
  try {
    raw = decodeURIComponent(path.slice(YJS_PATH.length + 1));
  } catch {
    return { docId: null, wantsSaved };
  }
  return { docId: DOC_ID.test(raw) ? raw : null, wantsSaved };
}

/** Answers a refused upgrade with HTTP `status` and the contract's JSON error body, then drops the socket. */
export function refuse(socket: Duplex, code: ErrorCode, message: string): void {
  const status = ERROR_STATUS[code];
  const body = JSON.stringify({ error: { code, message } });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
}

/** Who an accepted connection is, as the message loop needs it. */
export interface Grant extends CollabUser, DocAccess {
  docId: string;
  wantsSaved: boolean;
}

export interface UpgradeDeps {
  hooks: CollabHooks;
  registry: RoomRegistry;
  wss: WebSocketServer;
  logger: Logger;
  /** True once the core is closing: new upgrades get 503. */
  closed(): boolean;
  /** Takes over an accepted socket. */
  onConnection(ws: WebSocket, room: Room, grant: Grant): void;
}

/** Builds the `upgrade` listener; it ignores paths other than /yjs (their owners answer them). */
export function createUpgradeHandler(d: UpgradeDeps) {
  const { hooks, registry, logger } = d;
  const shuttingDown = (socket: Duplex) => refuse(socket, 'unavailable', 'The server is shutting down.');

  async function authorize(req: IncomingMessage, target: { docId: string | null; wantsSaved: boolean }): Promise<Grant> {
    const user = await hooks.onAuthenticate(req);
    // After the session check: a stranger learns nothing, not even that the id is malformed.
    if (!target.docId) throw new UpgradeRefusal('not_found', 'That document was not found, or you do not have access to it.');
    const access = await hooks.onAccess(user, target.docId);
    return { ...user, ...access, docId: target.docId, wantsSaved: target.wantsSaved };
  }

  async function handle(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const target = docIdOf(req.url);
    if (!target) return; // not ours (Socket.IO and the app's guard answer their own)
    socket.on('error', () => socket.destroy());
    if (d.closed()) return shuttingDown(socket);
    let room: Room | null = null;
    try {
      const grant = await authorize(req, target);
      try {
        room = await registry.acquire(grant.docId, grant.archived);
      } catch (err) {
        // Never serve an empty document that could overwrite the real one.
        logger.error({ err, docId: grant.docId }, 'loading document failed; refusing connection');
        return refuse(socket, 'unavailable', 'The document could not be loaded. Please try again.');
      }
      if (socket.destroyed) return;
      if (d.closed()) return shuttingDown(socket);
      const held = room;
      d.wss.handleUpgrade(req, socket, head, (ws) => {
        try {
          d.onConnection(ws, held, grant);
        } catch (err) {
          logger.error({ err, docId: held.docId }, 'opening collab connection failed');
          ws.close(CLOSE_INTERNAL_ERROR, 'internal');
        }
      });
    } catch (err) {
      if (err instanceof UpgradeRefusal) return refuse(socket, err.code, err.message);
      logger.error({ err }, 'collab upgrade failed');
      return refuse(socket, 'unavailable', 'The document service is unavailable. Please try again.');
    } finally {
      if (room) registry.release(room);
    }
  }

  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    handle(req, socket, head).catch((err) => {
      logger.error({ err }, 'collab upgrade crashed');
      socket.destroy();
    });
  };
}
