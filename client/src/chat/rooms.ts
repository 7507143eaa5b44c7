/**
 * Keeps the discussion of the space being viewed alive while the view is re-created (the router re-keys
 * views on every path change, e.g. switching channels), and stops it shortly after the user leaves.
 */
import { ChatRoom } from './room.svelte';

let current: ChatRoom | null = null;
let stopTimer: ReturnType<typeof setTimeout> | null = null;

/** The room of `spaceId`, started on first use. */
export function acquireRoom(spaceId: string, me: { id: string; name: string }): ChatRoom {
  if (stopTimer) clearTimeout(stopTimer);
  stopTimer = null;
  if (current && (current.spaceId !== spaceId || current.me.id !== me.id)) {
    current.stop();
    current = null;
  }
  if (!current) {
    current = new ChatRoom(spaceId, me);
    void current.start();
  }
  return current;
}

/** Lets go of the room; it stops unless acquired again right away. */
export function releaseRoom(room: ChatRoom): void {
  if (stopTimer) clearTimeout(stopTimer);
  stopTimer = setTimeout(() => {
    if (current === room) {
      room.stop();
      current = null;
    }
  }, 2_000);
}
