/**
 * Who is online in each space, from the sockets that joined it (one entry per user however many tabs).
 * Broadcasts are coalesced per space: a burst of joins (a class logging in at once) sends one `presence`
 * event per interval instead of one per socket, which would be quadratic in the size of the space.
 *
 * The tracker is per process; with the Redis adapter each node would report its own sockets only
 * (documented limit).
 */
import type { OnlineUser } from '../../shared/events';

export interface PresenceTracker {
  /** Records a socket in a space; returns the online list including it. */
  join(spaceId: string, socketId: string, user: OnlineUser): OnlineUser[];
  /** Forgets a socket in a space; true when that user has no socket left there. */
  leave(spaceId: string, socketId: string): boolean;
  /** Forgets every socket of a user in a space (removed member). */
  removeUser(spaceId: string, userId: string): string[];
  /** Changes the name shown for a user; returns the spaces where they are online (to broadcast). */
  rename(userId: string, name: string): string[];
  /** The spaces a socket joined. */
  spacesOf(socketId: string): string[];
  has(spaceId: string, socketId: string): boolean;
  online(spaceId: string): OnlineUser[];
  /** Schedules a coalesced `presence` broadcast for the space. */
  changed(spaceId: string): void;
  close(): void;
}

/** Creates a tracker that calls `broadcast` at most once per interval per space. */
export function createPresence(broadcast: (spaceId: string, online: OnlineUser[]) => void, intervalMs = (size: number) => (size > 200 ? 1000 : 100)): PresenceTracker {
  // space -> user -> { name, sockets }
  const spaces = new Map<string, Map<string, { name: string; sockets: Set<string> }>>();
  const bySocket = new Map<string, Map<string, string>>(); // socket -> space -> userId
  const timers = new Map<string, NodeJS.Timeout>();

  const online = (spaceId: string): OnlineUser[] =>
    [...(spaces.get(spaceId) ?? new Map()).entries()]
      .map(([userId, v]) => ({ userId, name: v.name }))
      .sort((a, b) => a.name.localeCompare(b.name));

  function forgetSocket(spaceId: string, socketId: string) {
    const m = bySocket.get(socketId);
    m?.delete(spaceId);
    if (m && m.size === 0) bySocket.delete(socketId);
  }

  return {
    join(spaceId, socketId, user) {
      let users = spaces.get(spaceId);
      if (!users) spaces.set(spaceId, (users = new Map()));
      let entry = users.get(user.userId);
      if (!entry) users.set(user.userId, (entry = { name: user.name, sockets: new Set() }));
      entry.sockets.add(socketId);
      let m = bySocket.get(socketId);
      if (!m) bySocket.set(socketId, (m = new Map()));
      m.set(spaceId, user.userId);
      return online(spaceId);
    },
    leave(spaceId, socketId) {
      const userId = bySocket.get(socketId)?.get(spaceId);
      forgetSocket(spaceId, socketId);
      if (!userId) return false;
      const users = spaces.get(spaceId);
      const entry = users?.get(userId);
      if (!users || !entry) return false;
      entry.sockets.delete(socketId);
      if (entry.sockets.size > 0) return false;
      users.delete(userId);
      if (users.size === 0) spaces.delete(spaceId);
      return true;
    },
    removeUser(spaceId, userId) {
      const users = spaces.get(spaceId);
      const entry = users?.get(userId);
      if (!users || !entry) return [];
      users.delete(userId);
      if (users.size === 0) spaces.delete(spaceId);
      for (const s of entry.sockets) forgetSocket(spaceId, s);
      return [...entry.sockets];
    },
    rename(userId, name) {
      const changed: string[] = [];
      for (const [spaceId, users] of spaces) {
        const entry = users.get(userId);
        if (entry && entry.name !== name) {
          entry.name = name;
          changed.push(spaceId);
        }
      }
      return changed;
    },
    spacesOf: (socketId) => [...(bySocket.get(socketId)?.keys() ?? [])],
    has: (spaceId, socketId) => bySocket.get(socketId)?.has(spaceId) ?? false,
    online,
    changed(spaceId) {
      if (timers.has(spaceId)) return;
      const size = spaces.get(spaceId)?.size ?? 0;
      timers.set(
        spaceId,
        setTimeout(() => {
          timers.delete(spaceId);
          broadcast(spaceId, online(spaceId));
        }, intervalMs(size)),
      );
    },
    close() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
