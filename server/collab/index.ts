/**
 * The collab core's entry: builds the Yjs rooms, the /yjs/:docId upgrade handler and the CollabService.
 * Rooms load once (concurrent connects share the load), unload some seconds after their last client,
 * and every update goes through the room's grouped writer before a saved acknowledgement covers it.
 *
 * Decisions worth knowing (see also shared/collab.ts for the codes):
 * - Refused upgrades answer HTTP before any document byte: 403 bad Origin, 401 no session, 404 unknown
 *   or malformed doc id, 403 non-member, 503 when the document cannot be loaded (never an empty doc).
 * - Logout closes the session's connections with 4401; removal from the space with 4403. A role change
 *   applies in place on open connections (member -> guest: edits dropped from then on; guest -> member:
 *   may edit) instead of closing, since 44xx codes stop the stock client from reconnecting.
 * - Archived documents are read-only for every connection (CollabService.setArchived for live rooms).
 * - Limits: message > YJS_MAX_MESSAGE_BYTES -> 4413 (ws's own 1009 is mapped), malformed bytes or a
 *   garbage update -> 4400 (the update is fully decoded before it is applied), more than the rate
 *   limit -> 4429, a peer that stops reading -> 1013, a peer that stops answering pings -> dropped.
 * - A socket closing or the HTTP server closing (SIGTERM) makes every connection go away with 1001;
 *   close() then flushes and snapshots every room.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import * as Y from 'yjs';
import {
  CLOSE_ARCHIVED,
  CLOSE_AUTH_REQUIRED,
  CLOSE_FORBIDDEN,
  CLOSE_GOING_AWAY,
  CLOSE_INTERNAL_ERROR,
  CLOSE_INVALID_MESSAGE,
  CLOSE_RATE_LIMITED,
  CLOSE_TOO_LARGE,
} from '../../shared/collab';
import type { Ctx } from '../context';
import type { DocsRepo } from '../docs/records';
import { can } from '../policies';
import { Conn, type RateLimit } from './connection';
import { createLocalFanout, type RoomFanout } from './fanout';
import { InvalidMessage, type Room } from './room';
import { createRoomRegistry } from './registry';
import type { CollabService } from './service';
import { createUpdateLog } from './updateLog';
import { authorizeUpgrade, docIdOf, refuse, UpgradeRefusal } from './upgrade';

export { COLLAB_INDEXES } from './updateLog';
export type { RoomFanout } from './fanout';

export interface Collab {
  service: CollabService;
  /** Handles `upgrade` requests for /yjs/* on the shared HTTP server. */
  attach(server: HttpServer): void;
  /** Flushes and closes every room and connection. */
  close(): Promise<void>;
  /** Live counters (tests, benchmark, health). */
  stats(): CollabStats;
}

export interface CollabStats {
  rooms: number;
  connections: number;
  /** Updates delivered to connections by live rooms. */
  deliveries: number;
  /** Store writes of the update log by live rooms. */
  writes: number;
}

/** Tunables; every one has a production default. Tests shorten the delays. */
export interface CollabOptions {
  /** How long a room stays loaded after its last client leaves (default 10 s). */
  unloadDelayMs?: number;
  /** Log updates between snapshots (default 500). */
  compactEvery?: number;
  /** On unload, snapshot when at least this many updates landed since the last one (default 1). */
  compactOnUnloadMin?: number;
  /** Per-connection message rate (default 100/s with a burst of 500). */
  rateLimit?: RateLimit;
  /** Minimum interval between DocsRepo.touch calls per document (default 5 s). */
  touchIntervalMs?: number;
  /** Overrides config.yjsMaxMessageBytes. */
  maxMessageBytes?: number;
  /** Ping interval; a connection that has not answered the previous ping is dropped (default 30 s). */
  heartbeatMs?: number;
  /** Replaces the in-process fan-out (e.g. a Redis relay). */
  fanout?: RoomFanout;
}

const DEFAULTS = {
  unloadDelayMs: 10_000,
  compactEvery: 500,
  compactOnUnloadMin: 1,
  rateLimit: { perSecond: 100, burst: 500 },
  touchIntervalMs: 5_000,
  heartbeatMs: 30_000,
};

const toBytes = (data: RawData): Uint8Array => {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
};

/** Builds the collab core for one app. `options` is optional so the docs feature calls `createCollab(ctx, docs)`. */
export function createCollab(ctx: Ctx, docs: DocsRepo, options: CollabOptions = {}): Collab {
  const opts = { ...DEFAULTS, ...options };
  const logger = ctx.logger.child({ cat: 'collab' });
  const maxBytes = options.maxMessageBytes ?? ctx.config.yjsMaxMessageBytes;
  const log = createUpdateLog(ctx.store, ctx.now);
  const fanout = options.fanout ?? createLocalFanout();
  const instance = randomBytes(6).toString('base64url');
  const originPrefix = `${instance}:`;
  const serverOrigin = `${instance}:server`;
  let connSeq = 0;
  let closed = false;
  let closing: Promise<void> | null = null;

  // ws enforces maxPayload by closing with 1009; we want 4413 and map it (see onConnection).
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: maxBytes, clientTracking: false });
  const registry = createRoomRegistry({
    docs,
    log,
    fanout,
    logger,
    now: ctx.now,
    originPrefix,
    serverOrigin,
    compactEvery: opts.compactEvery,
    compactOnUnloadMin: opts.compactOnUnloadMin,
    unloadDelayMs: opts.unloadDelayMs,
    touchIntervalMs: opts.touchIntervalMs,
  });
  const { rooms } = registry;

  function onConnection(ws: WebSocket, room: Room, grant: { userId: string; sessionId: string; canEdit: boolean; wantsSaved: boolean }) {
    const conn = new Conn(
      `${originPrefix}${++connSeq}`,
      ws,
      { userId: grant.userId, sessionId: grant.sessionId, spaceId: room.spaceId, docId: room.docId, canEdit: grant.canEdit, wantsSaved: grant.wantsSaved },
      opts.rateLimit,
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
      try {
        const bytes = toBytes(data);
        if (bytes.byteLength > maxBytes) return conn.close(CLOSE_TOO_LARGE, 'payload_too_large');
        if (!conn.take()) return conn.close(CLOSE_RATE_LIMITED, 'rate_limited');
        if (!isBinary) return conn.close(CLOSE_INVALID_MESSAGE, 'invalid_message');
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
    });
    room.add(conn);
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const target = docIdOf(req.url);
    if (!target) return; // not ours (Socket.IO and others answer their own)
    socket.on('error', () => socket.destroy());
    if (closed) return refuse(socket, 'unavailable', 'The server is shutting down.');
    let room: Room | null = null;
    try {
      const grant = await authorizeUpgrade(ctx, docs, req, target);
      try {
        room = await registry.acquire(grant.doc);
      } catch (err) {
        // Never serve an empty document that could overwrite the real one.
        logger.error({ err, docId: grant.doc._id }, 'loading document failed; refusing connection');
        return refuse(socket, 'unavailable', 'The document could not be loaded. Please try again.');
      }
      if (socket.destroyed) return;
      if (closed) return refuse(socket, 'unavailable', 'The server is shutting down.');
      const held = room;
      wss.handleUpgrade(req, socket, head, (ws) => {
        try {
          onConnection(ws, held, grant);
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

  function connsWhere(pred: (c: Conn) => boolean): Conn[] {
    const out: Conn[] = [];
    for (const room of rooms.values()) for (const c of room.conns.values()) if (pred(c)) out.push(c);
    return out;
  }

  const offBus = [
    ctx.bus.on('session:revoked', ({ sessionId }) => {
      for (const c of connsWhere((c) => c.sessionId === sessionId)) c.close(CLOSE_AUTH_REQUIRED, 'authentication_required');
    }),
    ctx.bus.on('membership:removed', ({ spaceId, userId }) => {
      for (const c of connsWhere((c) => c.spaceId === spaceId && c.userId === userId)) c.close(CLOSE_FORBIDDEN, 'forbidden');
    }),
    // A role change applies in place: a member made guest stops editing at once (updates dropped from
    // then on) without losing the open view; a guest made member may edit on the same connection.
    ctx.bus.on('membership:changed', ({ spaceId, userId, role }) => {
      const editable = can({ userId, role }, 'docs.edit', { visibility: 'private' });
      for (const c of connsWhere((c) => c.spaceId === spaceId && c.userId === userId)) c.canEdit = editable;
    }),
  ];

  const service: CollabService = {
    async edit(docId, fn) {
      const record = await docs.byId(docId);
      if (!record) throw new Error(`collab.edit: unknown document ${docId}`);
      const room = await registry.acquire(record);
      try {
        room.edit(fn);
        await room.writer.flush();
      } finally {
        registry.release(room);
      }
    },
    async snapshot(docId) {
      const live = await registry.live(docId);
      if (live) return Y.encodeStateAsUpdate(live.doc);
      const loaded = await log.load(docId);
      try {
        return Y.encodeStateAsUpdate(loaded.doc);
      } finally {
        loaded.doc.destroy();
      }
    },
    disconnectUser(spaceId, userId, code, reason) {
      for (const c of connsWhere((c) => c.spaceId === spaceId && c.userId === userId)) c.close(code, reason);
    },
    setArchived(docId, archived) {
      const room = rooms.get(docId);
      if (!room || room.closing) return;
      room.archived = archived;
      // Open editors learn at once (4410) instead of typing into edits that are dropped; a reopen is read-only.
      if (archived) for (const c of [...room.conns.values()]) c.close(CLOSE_ARCHIVED, 'archived');
    },
    async flushAll() {
      await Promise.all([...rooms.values()].map((r) => r.writer.flush()));
    },
  };

  // Heartbeat: a peer that vanished without closing (lid shut, network gone) would otherwise keep its
  // room in memory forever. Browsers answer pings on their own.
  const heartbeat = setInterval(() => {
    for (const room of rooms.values()) {
      for (const c of room.conns.values()) {
        if (!c.alive) {
          c.ws.terminate();
          continue;
        }
        c.alive = false;
        try {
          c.ws.ping();
        } catch {
          /* closing already */
        }
      }
    }
  }, opts.heartbeatMs);
  heartbeat.unref();

  /** Refuses new upgrades and closes every connection with 1001; stragglers are terminated after a grace. */
  function stopConnections() {
    closed = true;
    registry.stop();
    const open: Conn[] = [];
    for (const room of rooms.values()) for (const c of room.conns.values()) open.push(c);
    for (const c of open) c.close(CLOSE_GOING_AWAY, 'server_shutdown');
    if (open.length) {
      setTimeout(() => {
        for (const c of open) if (c.ws.readyState !== c.ws.CLOSED) c.ws.terminate();
      }, 1_000).unref();
    }
  }

  let upgradeListener: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | null = null;
  let attachedTo: HttpServer | null = null;

  return {
    service,
    stats() {
      let connections = 0;
      let deliveries = 0;
      let writes = 0;
      for (const r of rooms.values()) {
        connections += r.conns.size;
        deliveries += r.deliveries;
        writes += r.writer.writes;
      }
      return { rooms: rooms.size, connections, deliveries, writes };
    },
    attach(server) {
      upgradeListener = (req, socket, head) => {
        handleUpgrade(req, socket, head).catch((err) => {
          logger.error({ err }, 'collab upgrade crashed');
          socket.destroy();
        });
      };
      attachedTo = server;
      server.on('upgrade', upgradeListener);
    },
    async close() {
      if (closing) return closing;
      closing = (async () => {
        clearInterval(heartbeat);
        for (const off of offBus) off();
        if (attachedTo && upgradeListener) attachedTo.off('upgrade', upgradeListener);
        stopConnections();
        await registry.closeAll();
        wss.close();
      })();
      return closing;
    },
  };
}
