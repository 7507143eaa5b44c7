/**
 * What the rest of the server may ask of the collab core (server/collab). The docs feature uses it for
 * template content, export, versions and restore, and to reach open connections when a login ends or a
 * role changes; only the collab core touches rooms and the update log.
 */
import * as Y from 'yjs';
import { CLOSE_ARCHIVED } from '../../shared/collab';
import type { Conn, ConnIdentity } from './connection';
import type { RoomRegistry } from './registry';
import type { CollabHooks } from './types';
import type { UpdateLog } from './updateLog';

/** Picks connections by who and where they are. */
export type ConnFilter = (c: Readonly<ConnIdentity>) => boolean;

export interface CollabService {
  /**
   * Applies a server-side edit to the live document (loading it if needed): the change is appended to
   * the update log, broadcast to connected clients, and the promise resolves once it is durable.
   */
  edit(docId: string, fn: (doc: Y.Doc) => void): Promise<void>;
  /** The current full state as one update (`Y.encodeStateAsUpdate`), from memory or the store. */
  snapshot(docId: string): Promise<Uint8Array>;
  /** Closes every live connection that `where` picks with `code` and `reason`. */
  disconnect(where: ConnFilter, code: number, reason: string): void;
  /** Closes every live connection of `userId` to documents of `spaceId` (used on removal). */
  disconnectUser(spaceId: string, userId: string, code: number, reason: string): void;
  /** Lets the picked connections edit, or not, from their next message on (a role change). */
  setCanEdit(where: ConnFilter, canEdit: boolean): void;
  /** Flushes every pending write (shutdown). */
  flushAll(): Promise<void>;
  /**
   * Tells the live room that the document was archived (client edits dropped from now on, and every open
   * connection closed with 4410 so editors know) or restored (members may edit again). Upgrades read the
   * flag through the access hook themselves.
   */
  setArchived(docId: string, archived: boolean): void;
}

/** Builds the service over the core's rooms and update log. */
export function createCollabService(registry: RoomRegistry, log: UpdateLog, hooks: CollabHooks): CollabService {
  const { rooms } = registry;
  const connsWhere = (pred: (c: Conn) => boolean): Conn[] => {
    const out: Conn[] = [];
    for (const room of rooms.values()) for (const c of room.conns.values()) if (pred(c)) out.push(c);
    return out;
  };
  const service: CollabService = {
    async edit(docId, fn) {
      const info = await hooks.onLoadDocument(docId);
      if (!info) throw new Error(`collab.edit: unknown document ${docId}`);
      const room = await registry.acquire(docId, info.archived);
      try {
        room.edit(fn);
        await room.flushed();
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
    disconnect(where, code, reason) {
      for (const c of connsWhere(where)) c.close(code, reason);
    },
    disconnectUser(spaceId, userId, code, reason) {
      service.disconnect((c) => c.spaceId === spaceId && c.userId === userId, code, reason);
    },
    setCanEdit(where, canEdit) {
      for (const c of connsWhere(where)) c.canEdit = canEdit;
    },
    setArchived(docId, archived) {
      const room = rooms.get(docId);
      if (!room || room.closing) return;
      room.archived = archived;
      // Open editors learn at once (4410) instead of typing into edits that are dropped; a reopen is read-only.
      if (archived) for (const c of [...room.conns.values()]) c.close(CLOSE_ARCHIVED, 'archived');
    },
    async flushAll() {
      await Promise.all([...rooms.values()].map((r) => r.flushed()));
    },
  };
  return service;
}
