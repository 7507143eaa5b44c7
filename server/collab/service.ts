/**
 * What the rest of the server may ask of the collab core (server/collab). The docs routes use it for
 * template content, export, versions and restore; only the collab core touches rooms and the update log.
 */
import type * as Y from 'yjs';

export interface CollabService {
  /**
   * Applies a server-side edit to the live document (loading it if needed): the change is appended to
   * the update log, broadcast to connected clients, and the promise resolves once it is durable.
   */
  edit(docId: string, fn: (doc: Y.Doc) => void): Promise<void>;
  /** The current full state as one update (`Y.encodeStateAsUpdate`), from memory or the store. */
  snapshot(docId: string): Promise<Uint8Array>;
  /** Closes every live connection of `userId` to documents of `spaceId` (used on removal). */
  disconnectUser(spaceId: string, userId: string, code: number, reason: string): void;
  /** Flushes every pending write (shutdown). */
  flushAll(): Promise<void>;
  /**
   * Tells the live room that the document was archived (client edits dropped from now on, and every open
   * connection closed with 4410 so editors know) or restored (members may edit again). Upgrades read the
   * flag from the record themselves.
   */
  setArchived(docId: string, archived: boolean): void;
}
