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
  /**
   * The updates of this batch that came from other processes (a relay): the room applies these, not the
   * whole batch, whose other updates it already holds.
   */
  foreign: readonly Uint8Array[];
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
  /**
   * Runs at each of a document's paced moments (after its broadcast, if any), with this process's own
   * updates of the moment merged (null when none): a relay writes its stream entry then, so one timer and
   * one merge serve the broadcast and the entry. `touch(docId)` asks for such a moment with nothing to
   * broadcast.
   */
  afterDeliver?: (docId: string, own: Uint8Array | null) => void;
}

/** The in-process fan-out, plus what a relay built on it uses. */
export interface LocalFanout extends RoomFanout {
  /** Like `publish`, for an update from another process: subscribers apply it (FanoutBatch.foreign). */
  publishForeign(docId: string, update: Uint8Array, origin: string): void;
  /** Schedules `docId`'s next paced moment (`afterDeliver`) even with nothing queued to broadcast. */
  touch(docId: string): void;
  /** Runs `docId`'s paced moment now (its broadcast and `afterDeliver`). */
  deliverNow(docId: string): void;
}

/** Default pace: a busy document broadcasts at most every 10 ms (see LocalFanoutOptions). */
export const DEFAULT_PACE_MS = 10;

/**
 * Per-key pacing (a document's broadcasts here, its stream entries in the Redis relay): `schedule(key)` runs
 * `run(key)` at the end of the current event-loop turn, or, when the key ran less than `paceMs` ago, once
 * `paceMs` have passed since then. Schedule a key once per batch; `runNow` runs it at once (a flush).
 */
export class Pacer {
  private readonly lastAt = new Map<string, number>();
  private readonly due = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private immediate: NodeJS.Immediate | null = null;

  constructor(
    private readonly paceMs: number,
    private readonly run: (key: string) => void,
  ) {}

  schedule(key: string): void {
    const last = this.paceMs > 0 ? this.lastAt.get(key) : undefined;
    const wait = last === undefined ? 0 : last + this.paceMs - performance.now();
    if (wait >= 1) this.timers.set(key, setTimeout(() => this.runNow(key), wait));
    else {
      this.due.add(key);
      this.immediate ??= setImmediate(() => this.runDue());
    }
  }

  /** Runs `key` now, instead of when it was scheduled. */
  runNow(key: string): void {
    const t = this.timers.get(key);
    if (t) {
      clearTimeout(t);
      this.timers.delete(key);
    }
    this.due.delete(key);
    if (this.paceMs > 0) {
      // Bounded: a key forgotten here only loses its pace once.
      if (this.lastAt.size > 10_000) this.lastAt.clear();
      this.lastAt.set(key, performance.now());
    }
    this.run(key);
  }

  /** Cancels every scheduled run (the owner is going away). */
  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.due.clear();
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
  }

  /** Forgets when `key` last ran (its next run is not held back). */
  forget(key: string): void {
    this.lastAt.delete(key);
  }

  private runDue(): void {
    this.immediate = null;
    const keys = [...this.due];
    this.due.clear();
    for (const key of keys) this.runNow(key);
  }
}

interface Queued {
  /** This process's updates, then (kept apart: subscribers apply only these) other processes'. */
  own: Uint8Array[];
  foreign: Uint8Array[];
  origins: Set<string>;
}

const merged = (updates: Uint8Array[]): Uint8Array | null => (updates.length === 0 ? null : updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates));

/** The in-process fan-out: batches per document per event-loop turn (setImmediate) or pace, then delivers. */
export function createLocalFanout(opts: LocalFanoutOptions = {}): LocalFanout {
  const paceMs = opts.paceMs ?? DEFAULT_PACE_MS;
  const listeners = new Map<string, Set<FanoutListener>>();
  const awarenessListeners = new Map<string, Set<AwarenessListener>>();
  const queued = new Map<string, Queued>();

  function deliverDoc(docId: string) {
    const q = queued.get(docId);
    queued.delete(docId);
    const subs = listeners.get(docId);
    const own = q && (subs?.size || opts.afterDeliver) ? merged(q.own) : null;
    if (q && subs && subs.size > 0 && (own || q.foreign.length > 0)) {
      const update = own && q.foreign.length === 0 ? own : merged(own ? [own, ...q.foreign] : q.foreign)!;
      const batch: FanoutBatch = { update, origins: q.origins, foreign: q.foreign };
      for (const l of subs) l(batch);
    }
    opts.afterDeliver?.(docId, own);
  }
  const pacer = new Pacer(paceMs, deliverDoc);

  const queue = (docId: string): Queued => {
    let q = queued.get(docId);
    if (!q) {
      q = { own: [], foreign: [], origins: new Set() };
      queued.set(docId, q);
      pacer.schedule(docId);
    }
    return q;
  };

  return {
    publish(docId, update, origin) {
      const q = queue(docId);
      q.own.push(update);
      q.origins.add(origin);
    },
    publishForeign(docId, update, origin) {
      const q = queue(docId);
      q.foreign.push(update);
      q.origins.add(origin);
    },
    touch(docId) {
      queue(docId);
    },
    deliverNow(docId) {
      pacer.runNow(docId);
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
          pacer.forget(docId);
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
      for (const docId of [...queued.keys()]) pacer.runNow(docId);
    },
  };
}
