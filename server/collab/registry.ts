/**
 * The live rooms of one collab core: each document is loaded once however many callers ask at the same
 * time, held while someone uses it, and unloaded (flushed, snapshotted, released) some seconds after the
 * last connection leaves. Also debounces DocsRepo.touch per document.
 */
import type { DocRecord, DocsRepo } from '../docs/records';
import type { Logger } from '../logger';
import type { RoomFanout } from './fanout';
import { Room } from './room';
import type { UpdateLog } from './updateLog';

export interface RegistryDeps {
  docs: DocsRepo;
  log: UpdateLog;
  fanout: RoomFanout;
  logger: Logger;
  now: () => number;
  originPrefix: string;
  serverOrigin: string;
  compactEvery: number;
  compactOnUnloadMin: number;
  unloadDelayMs: number;
  touchIntervalMs: number;
}

/** Creates the registry; `stop()` prevents new unload timers (shutdown unloads everything itself). */
export function createRoomRegistry(d: RegistryDeps) {
  const { docs, log, fanout, logger, originPrefix, serverOrigin } = d;
  let stopped = false;
  const rooms = new Map<string, Room>();
  const loading = new Map<string, Promise<Room>>();
  const touches = new Map<string, { last: number; timer: NodeJS.Timeout | null }>();

  /** DocsRepo.touch at most once per interval per document, trailing edge included. */
  function touchSoon(docId: string) {
    let t = touches.get(docId);
    if (!t) {
      t = { last: 0, timer: null };
      touches.set(docId, t);
    }
    if (t.timer) return;
    const wait = Math.max(0, t.last + d.touchIntervalMs - d.now());
    const entry = t;
    const fire = () => {
      entry.timer = null;
      entry.last = d.now();
      docs.touch(docId, new Date(entry.last)).catch((err) => logger.error({ err, docId }, 'touching document failed'));
    };
    if (wait === 0) fire();
    else {
      entry.timer = setTimeout(fire, wait);
      entry.timer.unref();
    }
  }

  /** Runs a pending trailing touch now and forgets the document (it is leaving memory). */
  async function flushTouch(docId: string) {
    const t = touches.get(docId);
    touches.delete(docId);
    if (!t?.timer) return;
    clearTimeout(t.timer);
    await docs.touch(docId, new Date(d.now())).catch((err) => logger.error({ err, docId }, 'touching document failed'));
  }

  /** Returns the live room for `docId`, loading it once however many callers ask at the same time. */
  async function acquire(record: DocRecord): Promise<Room> {
    const room = await acquireRoom(record._id, record.spaceId);
    // The record was just read: refresh the room's archived flag from it.
    room.archived = record.archived;
    return room;
  }

  async function acquireRoom(docId: string, spaceId: string): Promise<Room> {
    for (;;) {
      const live = rooms.get(docId);
      if (live && !live.closing) {
        live.holds++;
        cancelUnload(live);
        return live;
      }
      if (live?.closing) {
        await live.closing.catch(() => undefined);
        continue;
      }
      let p = loading.get(docId);
      if (!p) {
        p = (async () => {
          const loaded = await log.load(docId);
          const room = new Room({
            docId,
            spaceId,
            loaded,
            log,
            fanout,
            logger,
            originPrefix,
            serverOrigin,
            compactEvery: d.compactEvery,
            onDurable: touchSoon,
          });
          rooms.set(docId, room);
          return room;
        })().finally(() => loading.delete(docId));
        loading.set(docId, p);
      }
      const room = await p;
      if (room.closing) continue;
      room.holds++;
      cancelUnload(room);
      return room;
    }
  }

  function cancelUnload(room: Room) {
    if (room.unloadTimer) {
      clearTimeout(room.unloadTimer);
      room.unloadTimer = null;
    }
  }

  /** Drops a hold; schedules the unload when nobody holds or is connected. */
  function release(room: Room) {
    room.holds = Math.max(0, room.holds - 1);
    maybeScheduleUnload(room);
  }

  function maybeScheduleUnload(room: Room) {
    if (stopped || room.closing || room.holds > 0 || room.conns.size > 0 || room.unloadTimer) return;
    room.unloadTimer = setTimeout(() => {
      room.unloadTimer = null;
      if (room.holds > 0 || room.conns.size > 0 || room.closing) return;
      void unload(room);
    }, d.unloadDelayMs);
    room.unloadTimer.unref();
  }

  async function unload(room: Room): Promise<void> {
    room.closing = (async () => {
      try {
        await room.shutdown(d.compactOnUnloadMin);
      } catch (err) {
        logger.error({ err, docId: room.docId }, 'unloading document failed');
      } finally {
        if (rooms.get(room.docId) === room) rooms.delete(room.docId);
        await flushTouch(room.docId);
      }
    })();
    await room.closing;
  }

  return {
    rooms,
    /** Holds the room of `record` (loading it if needed); refreshes its archived flag from the record. */
    acquire,
    /** Drops a hold taken by `acquire`. */
    release,
    /** Called when a connection left: unloads later if the room is now unused. */
    maybeScheduleUnload,
    /** The loaded room of `docId`, or undefined (waits for one that is unloading to finish). */
    async live(docId: string): Promise<Room | undefined> {
      const r = rooms.get(docId);
      if (r?.closing) await r.closing.catch(() => undefined);
      const again = rooms.get(docId);
      return again && !again.closing ? again : undefined;
    },
    /** Unloads every room (flush + snapshot) and runs pending touches; used on shutdown. */
    async closeAll(): Promise<void> {
      stopped = true;
      for (const room of rooms.values()) cancelUnload(room);
      await Promise.all([...loading.values()].map((p) => p.catch(() => undefined)));
      await Promise.all([...rooms.values()].map((room) => (room.closing ? room.closing.catch(() => undefined) : unload(room))));
      // Trailing touches of documents edited through edit() after their room left.
      await Promise.all([...touches.keys()].map(flushTouch));
    },
    stop() {
      stopped = true;
    },
  };
}

export type RoomRegistry = ReturnType<typeof createRoomRegistry>;
