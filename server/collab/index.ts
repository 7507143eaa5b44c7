/**
 * The collab core's entry: `createCollab({ store, logger, hooks, limiter, maxMessageBytes })` builds the
 * Yjs rooms, the /yjs/:docId upgrade handler and the CollabService. The mounter (the docs feature)
 * answers authentication, access, existence and "stored" through hooks (types.ts); the core imports no
 * feature and no web framework.
 *
 * Rooms load once (concurrent connects share the load), unload some seconds after their last client,
 * and every update goes through the room's grouped writer before a saved acknowledgement covers it.
 * Decisions worth knowing (see also shared/collab.ts for the codes):
 * - Refused upgrades answer HTTP before any document byte (upgrade.ts).
 * - Limits: message > maxMessageBytes -> 4413 (ws's own 1009 is mapped), malformed bytes or a garbage
 *   update -> 4400 (the update is fully decoded before it is applied), over the injected limiter -> 4429,
 *   a peer that stops reading -> 1013, a peer that stops answering pings -> dropped (socket.ts,
 *   connection.ts, heartbeat.ts).
 * - A write the store keeps refusing is retried a few times, then the room closes its connections with
 *   1013 and unloads; nothing unstored was acknowledged (writer.ts).
 * - Archived documents are read-only for every connection (CollabService.setArchived for live rooms).
 * - close() (SIGTERM) refuses new upgrades, closes every connection with 1001, then flushes and
 *   snapshots every room.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CLOSE_GOING_AWAY } from '../../shared/collab';
import { createLocalFanout } from './fanout';
import { startHeartbeat } from './heartbeat';
import { createRoomRegistry } from './registry';
import { createCollabService } from './service';
import { createMessageLoop } from './socket';
import { createStoredNotifier } from './stored';
import type { Collab, CollabDeps } from './types';
import { createUpdateLog } from './updateLog';
import { createUpgradeHandler } from './upgrade';
import { DEFAULT_RETRY } from './writer';

export { COLLAB_INDEXES, repairUpdateLog } from './updateLog';
export { UpgradeRefusal } from './upgrade';
export type { RoomFanout } from './fanout';
export type { DocRelay } from './relay';
export type { CollabService, ConnFilter } from './service';
export type * from './types';

/**
 * Default write pace of a document run by a cluster (see CollabOptions.writePaceMs): at most 10 fenced
 * writes a second per busy document. At 50 ms the owner's store writes cost it about what the whole single
 * process costs (docs/BENCHMARKS.md, "One moment for the broadcast and the stream entry").
 */
export const CLUSTER_WRITE_PACE_MS = 100;

const DEFAULTS = {
  unloadDelayMs: 10_000,
  compactEvery: 500,
  compactOnUnloadMin: 1,
  storedIntervalMs: 5_000,
  heartbeatMs: 30_000,
  writeRetry: DEFAULT_RETRY,
};

/** Builds the collab core for one app. */
export function createCollab(deps: CollabDeps): Collab {
  const opts = { ...DEFAULTS, ...deps.options };
  const now = deps.now ?? Date.now;
  const logger = deps.logger.child({ cat: 'collab' });
  const log = createUpdateLog(deps.store, now);
  const instance = randomBytes(6).toString('base64url');
  const originPrefix = `${instance}:`;
  let connSeq = 0;
  let closed = false;
  let closing: Promise<void> | null = null;

  // ws enforces maxPayload by closing with 1009; the message loop maps that to 4413.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: deps.maxMessageBytes, clientTracking: false });
  const registry = createRoomRegistry({
    log,
    fanout: opts.fanout ?? opts.relay?.fanout ?? createLocalFanout(opts.broadcastPaceMs === undefined ? {} : { paceMs: opts.broadcastPaceMs }),
    ...(opts.relay ? { relay: opts.relay } : {}),
    logger,
    stored: createStoredNotifier(deps.hooks.onStoreDocument?.bind(deps.hooks), opts.storedIntervalMs, now, logger),
    originPrefix,
    serverOrigin: `${instance}:server`,
    compactEvery: opts.compactEvery,
    compactOnUnloadMin: opts.compactOnUnloadMin,
    unloadDelayMs: opts.unloadDelayMs,
    retry: opts.writeRetry,
    writePaceMs: opts.writePaceMs ?? (opts.relay ? CLUSTER_WRITE_PACE_MS : 0),
  });
  const { rooms } = registry;
  const onConnection = createMessageLoop({
    registry,
    limiter: deps.limiter,
    logger,
    maxBytes: deps.maxMessageBytes,
    nextId: () => `${originPrefix}${++connSeq}`,
  });
  const upgradeListener = createUpgradeHandler({ hooks: deps.hooks, registry, wss, logger, closed: () => closed, onConnection });
  const stopHeartbeat = startHeartbeat(rooms, opts.heartbeatMs);
  let attachedTo: HttpServer | null = null;

  /** Refuses new upgrades and closes every connection with 1001; stragglers are terminated after a grace. */
  function stopConnections() {
    closed = true;
    registry.stop();
    const open = [...rooms.values()].flatMap((room) => [...room.conns.values()]);
    for (const c of open) c.close(CLOSE_GOING_AWAY, 'server_shutdown');
    if (open.length) {
      setTimeout(() => {
        for (const c of open) if (c.ws.readyState !== c.ws.CLOSED) c.ws.terminate();
      }, 1_000).unref();
    }
  }

  return {
    service: createCollabService(registry, log, deps.hooks),
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
      attachedTo = server;
      server.on('upgrade', upgradeListener as (req: IncomingMessage, socket: Duplex, head: Buffer) => void);
    },
    async close() {
      closing ??= (async () => {
        stopHeartbeat();
        attachedTo?.off('upgrade', upgradeListener);
        stopConnections();
        await registry.closeAll();
        wss.close();
      })();
      return closing;
    },
  };
}
