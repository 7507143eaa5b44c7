/**
 * Fan-out seam: every update a room broadcasts goes through a RoomFanout, so a cross-process relay
 * (Redis pub/sub) can replace the in-process one without touching rooms or connection handlers.
 * The in-process implementation merges the updates published for one document within one event-loop
 * turn (or, on a busy document, within its pace) into a single update, so a room encodes each broadcast
 * once however many keystrokes arrived.
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

export interface LocalFanoutOptions {
  /**
   * A document's broadcasts go out at most once per `paceMs`: on a busy document the keystrokes of that
   * window are merged into one broadcast (one socket write per connection instead of one per keystroke).
   * A document with no broadcast in the last `paceMs` is delivered at the end of the current event-loop
   * turn, so a quiet document gains no latency. 0 delivers every document every turn.
   */
  paceMs?: number;
}

/** Default pace: a busy document broadcasts at most every 10 ms (see LocalFanoutOptions). */
export const DEFAULT_PACE_MS = 10;

interface Queued {
  updates: Uint8Array[];
  origins: Set<string>;
  /** Set when the document broadcast less than `paceMs` ago: its delivery waits for the pace. */
  timer: NodeJS.Timeout | null;
}

/** The in-process fan-out: batches per document per event-loop turn (setImmediate) or pace, then delivers. */
export function createLocalFanout(opts: LocalFanoutOptions = {}): RoomFanout {
  const paceMs = opts.paceMs ?? DEFAULT_PACE_MS;
  const listeners = new Map<string, Set<FanoutListener>>();
  const awarenessListeners = new Map<string, Set<AwarenessListener>>();
  const queued = new Map<string, Queued>();
  /** Documents due at the end of this turn. */
  const due = new Set<string>();
  /** When each subscribed document last broadcast (only kept with a pace). */
  const lastAt = new Map<string, number>();
  let scheduled: NodeJS.Immediate | null = null;

  function deliverDoc(docId: string) {
    const q = queued.get(docId);
    if (!q) return;
    queued.delete(docId);
    due.delete(docId);
    if (q.timer) clearTimeout(q.timer);
    const subs = listeners.get(docId);
    if (!subs || subs.size === 0) return;
    if (paceMs > 0) lastAt.set(docId, performance.now());
    const update = q.updates.length === 1 ? q.updates[0]! : Y.mergeUpdates(q.updates);
    const batch: FanoutBatch = { update, origins: q.origins };
    for (const l of subs) l(batch);
  }

  function deliverDue() {
    scheduled = null;
    const docs = [...due];
    due.clear();
    for (const docId of docs) deliverDoc(docId);
  }

  return {
    publish(docId, update, origin) {
      let q = queued.get(docId);
      if (!q) {
        q = { updates: [], origins: new Set(), timer: null };
        queued.set(docId, q);
        const last = paceMs > 0 ? lastAt.get(docId) : undefined;
        const wait = last === undefined ? 0 : last + paceMs - performance.now();
        if (wait >= 1) q.timer = setTimeout(deliverDoc, wait, docId);
        else {
          due.add(docId);
          scheduled ??= setImmediate(deliverDue);
        }
      }
      q.updates.push(update);
      q.origins.add(origin);
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
        if (subs.size === 0 && listeners.get(docId) === subs) {
          listeners.delete(docId);
          lastAt.delete(docId);
        }
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
      if (scheduled) clearImmediate(scheduled);
      scheduled = null;
      for (const docId of [...queued.keys()]) deliverDoc(docId);
    },
  };
}
