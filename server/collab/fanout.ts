/**
 * Fan-out seam: every update a room broadcasts goes through a RoomFanout, so a cross-process relay
 * (Redis pub/sub) can replace the in-process one without touching rooms or connection handlers.
 * The in-process implementation merges the updates published for one document within one event-loop
 * turn into a single update, so a room encodes each broadcast once however many keystrokes arrived.
 */
import * as Y from 'yjs';

/** One delivery: the merged update and the ids of the connections it came from ('server' for edits). */
export interface FanoutBatch {
  update: Uint8Array;
  origins: ReadonlySet<string>;
}

export type FanoutListener = (batch: FanoutBatch) => void;

/** An encoded awareness update (y-protocols) and the id of the process-local origin that produced it. */
export type AwarenessListener = (update: Uint8Array, origin: string) => void;

export interface RoomFanout {
  /** Hands an update that a room accepted to every subscriber of `docId` (this process or others). */
  publish(docId: string, update: Uint8Array, origin: string): void;
  /** Receives the batches for `docId`; returns the unsubscribe function. */
  subscribe(docId: string, listener: FanoutListener): () => void;
  /**
   * Presence changes made by this process's connections, for rooms of the same document elsewhere.
   * Rooms relay presence to their own connections directly; subscribers ignore their own origins.
   */
  publishAwareness(docId: string, update: Uint8Array, origin: string): void;
  subscribeAwareness(docId: string, listener: AwarenessListener): () => void;
  /** Delivers anything still queued (used before a room unloads). */
  flush(): void;
}

/** The in-process fan-out: batches per document per event-loop turn (setImmediate), then delivers. */
export function createLocalFanout(): RoomFanout {
  const listeners = new Map<string, Set<FanoutListener>>();
  const awarenessListeners = new Map<string, Set<AwarenessListener>>();
  const queued = new Map<string, { updates: Uint8Array[]; origins: Set<string> }>();
  let scheduled: NodeJS.Immediate | null = null;

  function deliver() {
    scheduled = null;
    const batches = [...queued];
    queued.clear();
    for (const [docId, q] of batches) {
      const subs = listeners.get(docId);
      if (!subs || subs.size === 0) continue;
      const update = q.updates.length === 1 ? q.updates[0]! : Y.mergeUpdates(q.updates);
      const batch: FanoutBatch = { update, origins: q.origins };
      for (const l of subs) l(batch);
    }
  }

  return {
    publish(docId, update, origin) {
      let q = queued.get(docId);
      if (!q) {
        q = { updates: [], origins: new Set() };
        queued.set(docId, q);
      }
      q.updates.push(update);
      q.origins.add(origin);
      scheduled ??= setImmediate(deliver);
    },
    subscribe(docId, listener) {
      let subs = listeners.get(docId);
      if (!subs) {
        subs = new Set();
        listeners.set(docId, subs);
      }
      subs.add(listener);
      return () => {
        subs.delete(listener);
        if (subs.size === 0 && listeners.get(docId) === subs) listeners.delete(docId);
      };
    },
    publishAwareness(docId, update, origin) {
      for (const l of awarenessListeners.get(docId) ?? []) l(update, origin);
    },
    subscribeAwareness(docId, listener) {
      let subs = awarenessListeners.get(docId);
      if (!subs) {
        subs = new Set();
        awarenessListeners.set(docId, subs);
      }
      subs.add(listener);
      return () => {
        subs.delete(listener);
        if (subs.size === 0 && awarenessListeners.get(docId) === subs) awarenessListeners.delete(docId);
      };
    },
    flush() {
      if (scheduled) {
        clearImmediate(scheduled);
        deliver();
      }
    },
  };
}
