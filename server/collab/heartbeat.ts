/**
 * Heartbeat: a peer that vanished without closing (lid shut, network gone) would otherwise keep its
 * room in memory forever. Every interval each connection is pinged; one that did not answer the
 * previous ping is dropped. Browsers answer pings on their own.
 */
import type { Room } from './room';

/** Starts the heartbeat over `rooms`; returns the stop function. The timer never keeps the process alive. */
export function startHeartbeat(rooms: ReadonlyMap<string, Room>, everyMs: number): () => void {
  const timer = setInterval(() => {
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
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
