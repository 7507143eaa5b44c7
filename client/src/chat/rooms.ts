/**
 * Keeps the discussion of the space being viewed alive while the view is re-created (the router re-keys
 * views on every path change, e.g. switching channels), and stops it shortly after the last view of it
 * is gone. Counted, because the new view may mount before the old one is destroyed.
 */
import { ChatRoom } from './room.svelte';

let current: ChatRoom | null = null;
let refs = 0;
let stopTimer: ReturnType<typeof setTimeout> | null = null;

/** The room of `spaceId`, started on first use. */
export function acquireRoom(spaceId: string, me: { id: string; name: string }): ChatRoom {
  if (current && (current.spaceId !== spaceId || current.me.id !== me.id)) {
    current.stop();
    current = null;
    refs = 0;
  }
  if (!current) {
    current = new ChatRoom(spaceId, me);
    void current.start();
  }
  refs++;
  if (stopTimer) clearTimeout(stopTimer);
  stopTimer = null;
  return current;
}

/** Lets go of the room; it stops once nobody has acquired it for a moment. */
export function releaseRoom(room: ChatRoom): void {
  if (room !== current) return;
  refs = Math.max(0, refs - 1);
  if (refs > 0) return;
  if (stopTimer) clearTimeout(stopTimer);
  stopTimer = setTimeout(() => {
    stopTimer = null;
    if (current === room && refs === 0) {
      room.stop();
      current = null;
    }
  }, 2_000);
}
