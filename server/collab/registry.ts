/**
 * The live rooms of one collab core: each document is loaded once however many callers ask at the same
 * time, held while someone uses it, and unloaded (flushed, snapshotted, released) some seconds after the
 * last connection leaves, or at once when its writer failed for good.
 */
import type { Logger } from '../logger';
import type { RoomFanout } from './fanout';
import type { DocRelay } from './relay';
import { Room } from './room';
import type { StoredNotifier } from './stored';
import type { UpdateLog } from './updateLog';
import type { RetryPolicy } from './writer';

export interface RegistryDeps {
  log: UpdateLog;
  fanout: RoomFanout;
  logger: Logger;
  stored: StoredNotifier;
  originPrefix: string;
  serverOrigin: string;
  compactEvery: number;
  compactOnUnloadMin: number;
  unloadDelayMs: number;
  retry: RetryPolicy;
  writePaceMs: number;
  relay?: DocRelay;
}

/** Creates the registry; `stop()` prevents new unload timers (shutdown unloads everything itself). */
export function createRoomRegistry(d: RegistryDeps) {
  const { log, fanout, logger, originPrefix, serverOrigin, stored } = d;
  let stopped = false;
  const rooms = new Map<string, Room>();
  const loading = new Map<string, Promise<Room>>();

  /** Returns the live room for `docId`, loading it once however many callers ask at the same time. */
  async function acquire(docId: string, archived: boolean): Promise<Room> {
    const room = await acquireRoom(docId);
    // The flag was just read by the caller: refresh the room's from it.
    room.archived = archived;
    return room;
  }

  async function acquireRoom(docId: string): Promise<Room> {
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
            loaded,
            log,
            fanout,
            logger,
            originPrefix,
            serverOrigin,
            compactEvery: d.compactEvery,
            retry: d.retry,
            writePaceMs: d.writePaceMs,
            ...(d.relay ? { relay: d.relay } : {}),
            onDurable: (id) => stored.stored(id),
            onFailed: (r) => {
              cancelUnload(r);
              if (!r.closing) void unload(r);
            },
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
        await stored.settle(room.docId);
      }
    })();
    await room.closing;
  }

  return {
    rooms,
    /** Holds the room of `docId` (loading it if needed); refreshes its archived flag. */
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
    /** Unloads every room (flush + snapshot) and makes owed "stored" calls; used on shutdown. */
    async closeAll(): Promise<void> {
      stopped = true;
      for (const room of rooms.values()) cancelUnload(room);
      await Promise.all([...loading.values()].map((p) => p.catch(() => undefined)));
      await Promise.all([...rooms.values()].map((room) => (room.closing ? room.closing.catch(() => undefined) : unload(room))));
      // Owed calls of documents edited through edit() after their room left.
      await Promise.all(stored.pending().map((id) => stored.settle(id)));
    },
    stop() {
      stopped = true;
    },
  };
}

export type RoomRegistry = ReturnType<typeof createRoomRegistry>;
