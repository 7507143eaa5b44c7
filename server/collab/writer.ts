/**
 * Grouped durable writes for one room. While one write is in flight, new updates queue; when it lands,
 * one merged insert covers the whole queue. Each landed write reports the state vector it made durable
 * and which connections' updates it covered (for the saved acknowledgement). Every few updates the log
 * is compacted into a snapshot, in the same serial chain so sequence numbers stay ordered.
 *
 * A write that keeps failing is retried a bounded number of times with backoff; then the writer fails for
 * good: it stores nothing more (a later write's state vector would cover the lost batch and acknowledge
 * it), rejects every waiting flush and tells the room, which closes its connections so their clients
 * resend what was never acknowledged to a freshly loaded room.
 */
import * as Y from 'yjs';
import type { Logger } from '../logger';
import { DuplicateKeyError } from '../store/port';
import { SEQ_SPAN, StaleOwnerError, type LoadedLog, type UpdateLog } from './updateLog';

export interface WriterDeps {
  docId: string;
  log: UpdateLog;
  logger: Logger;
  /** State vector of the live document right now (what a write started now will cover). */
  stateVector(): Uint8Array;
  /** Full live state, for snapshots. */
  fullState(): Uint8Array;
  /** Called after each durable write with the durable state vector and the origins it covered. */
  onDurable(stateVector: Uint8Array, origins: ReadonlySet<string>): void;
  /** Called once when a write failed for good (nothing after it will be stored). */
  onFailed(err: unknown): void;
  /** Attempts per write and the backoff between them. */
  retry: RetryPolicy;
  lastSeq: number;
  updatesSinceSnapshot: number;
  bytesSinceSnapshot?: number;
  snapshotBytes?: number;
  /**
   * Compact after this many log records, once the log also holds at least 1/16 of the snapshot's
   * size: a large document is not re-encoded every few hundred keystrokes.
   */
  compactEvery: number;
  /**
   * Consecutive writes start at least this many ms apart (0, the default: each write starts as soon as
   * the previous one landed). What arrives meanwhile joins the next write. A write after a quiet spell
   * starts at once, so a lone edit is not delayed.
   */
  writePaceMs?: number;
}

/** How a failing write is retried: `attempts` in all, waiting `minMs` doubling up to `maxMs` between them. */
export interface RetryPolicy {
  attempts: number;
  minMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, minMs: 50, maxMs: 5_000 };

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting when a write fails; the rejection must not crash the process.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** A per-room serial writer. */
export class RoomWriter {
  private pending: Uint8Array[] = [];
  private pendingOrigins = new Set<string>();
  /** Resolves when the write that will carry the current `pending` lands. */
  private pendingDone: Deferred | null = null;
  private inflight: Promise<void> | null = null;
  private lastSeq: number;
  private sinceSnapshot: number;
  private bytesSince: number;
  private snapshotBytes: number;
  /** Set once a write failed for good. */
  failed: unknown = null;
  private compacting: Promise<void> | null = null;
  /** Origins of the write in flight (ack targets), while one is. */
  private inflightOrigins: Set<string> | null = null;
  /** State vector of the durably stored state (starts as the loaded state). */
  durableStateVector: Uint8Array;
  /** Store writes performed (for tests and the benchmark). */
  writes = 0;
  /** The fencing token every write carries when the document is run by a cluster (relay.ts). */
  private token: number | undefined;
  /** When the last write started (performance.now()), for `writePaceMs`. */
  private lastStart = -Infinity;

  constructor(private readonly d: WriterDeps) {
    this.lastSeq = d.lastSeq;
    this.sinceSnapshot = d.updatesSinceSnapshot;
    this.bytesSince = d.bytesSinceSnapshot ?? 0;
    this.snapshotBytes = d.snapshotBytes ?? 0;
    this.durableStateVector = d.stateVector();
  }

  /**
   * Makes this writer the owner's under `token`, continuing the log as `loaded` (just read after fencing)
   * found it: its sequence numbers start in the token's own range.
   */
  adopt(token: number, loaded: LoadedLog): void {
    this.token = token;
    this.lastSeq = Math.max(loaded.lastSeq, token * SEQ_SPAN);
    this.sinceSnapshot = loaded.updatesSinceSnapshot;
    this.bytesSince = loaded.bytesSinceSnapshot;
    this.snapshotBytes = loaded.snapshotBytes;
  }

  /** Queues an update for the store; `origin` is the connection id (or 'server'). Dropped once failed. */
  push(update: Uint8Array, origin: string): void {
    if (this.failed) return;
    this.pending.push(update);
    this.pendingOrigins.add(origin);
    this.pendingDone ??= deferred();
    if (!this.inflight) this.inflight = this.run();
  }

  /**
   * Makes sure `origin` is told about the next durable write even though it contributed nothing new
   * (its update was already known, e.g. a re-sent offline edit). Returns false when nothing is queued
   * or in flight: the current durable state vector already covers everything integrated.
   */
  ackWhenDurable(origin: string): boolean {
    if (this.pending.length) {
      this.pendingOrigins.add(origin);
      return true;
    }
    if (this.inflightOrigins) {
      this.inflightOrigins.add(origin);
      return true;
    }
    return false;
  }

  /** True when nothing is queued or in flight. */
  get idle(): boolean {
    return !this.inflight && this.pending.length === 0;
  }

  /** Resolves once everything pushed so far is durable; rejects when the writer failed for good. */
  async flush(): Promise<void> {
    while (this.inflight || this.pending.length) {
      if (this.pendingDone) await this.pendingDone.promise;
      else await this.inflight;
    }
    if (this.failed) throw this.failed;
  }

  /** Writes a snapshot now if any update landed since the last one (used on unload). */
  async compactIfDirty(minUpdates = 1): Promise<void> {
    await this.flush();
    if (this.compacting) await this.compacting;
    if (this.sinceSnapshot >= minUpdates) {
      this.compacting = this.compact();
      await this.compacting;
    }
  }

  /** Resolves when no compaction is running. */
  async settled(): Promise<void> {
    await this.flush();
    if (this.compacting) await this.compacting;
  }

  private async run(): Promise<void> {
    try {
      while (this.pending.length) {
        const pace = this.d.writePaceMs ?? 0;
        if (pace > 0) {
          const wait = this.lastStart + pace - performance.now();
          if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
          this.lastStart = performance.now();
        }
        const batch = this.pending;
        const origins = this.pendingOrigins;
        this.inflightOrigins = origins;
        const done = this.pendingDone!;
        this.pending = [];
        this.pendingOrigins = new Set();
        this.pendingDone = null;
        // Everything integrated so far is in `batch` or already stored, so this vector is durable once it lands.
        const sv = this.d.stateVector();
        const update = batch.length === 1 ? batch[0]! : Y.mergeUpdates(batch);
        const seq = await this.append(this.lastSeq + 1, update);
        if (seq === null) {
          // No saved acknowledgement for this batch or anything queued behind it: the clients resend.
          done.reject(this.failed);
          // Updates queued during the retries: their waiters learn too (TS cannot see the await changed it).
          (this.pendingDone as Deferred | null)?.reject(this.failed);
          this.pending = [];
          this.pendingOrigins = new Set();
          this.pendingDone = null;
          this.inflightOrigins = null;
          return;
        }
        this.writes++;
        this.lastSeq = seq;
        this.sinceSnapshot++;
        this.bytesSince += update.length;
        this.durableStateVector = sv;
        this.inflightOrigins = null;
        try {
          this.d.onDurable(sv, origins);
        } catch (err) {
          this.d.logger.error({ err, docId: this.d.docId }, 'saved acknowledgement failed');
        }
        done.resolve();
        // Compaction runs beside the write chain: appends (and saved acks) never wait for a snapshot.
        if (this.sinceSnapshot >= this.d.compactEvery && this.bytesSince * 16 >= this.snapshotBytes && !this.compacting) {
          this.compacting = this.compact();
        }
      }
    } finally {
      this.inflight = null;
    }
  }

  /**
   * Stores `update` under `seq` (or the next free number), retrying a failing store with backoff; a
   * retry that finds the record already stored (the failed call did store it) counts as landed. Newer
   * updates keep queueing behind it meanwhile. Returns the sequence number used, or null once the
   * attempts are spent (the writer has then failed and the room was told).
   */
  private async append(first: number, update: Uint8Array): Promise<number | null> {
    const { attempts, minMs, maxMs } = this.d.retry;
    let seq = first;
    let mayHaveLanded = false;
    let waitMs = minMs;
    for (let failures = 0; ; ) {
      try {
        await this.d.log.append(this.d.docId, seq, update, this.token);
        return seq;
      } catch (err) {
        // A newer owner fenced the document: retrying cannot help, and nothing more may be acknowledged.
        if (err instanceof StaleOwnerError) failures = attempts;
        if (err instanceof DuplicateKeyError) {
          if (mayHaveLanded) return seq;
          // Someone else holds this sequence number (another process writing this document).
          this.d.logger.warn({ docId: this.d.docId, seq }, 'update sequence number taken; using the next one');
          seq++;
          continue;
        }
        mayHaveLanded = true;
        if (++failures >= attempts) {
          this.d.logger.error({ err, docId: this.d.docId, attempts }, 'storing document update failed for good; closing the room');
          this.failed = err instanceof Error ? err : new Error(String(err));
          try {
            this.d.onFailed(err);
          } catch (e) {
            this.d.logger.error({ err: e, docId: this.d.docId }, 'reporting a failed write failed');
          }
          return null;
        }
        this.d.logger.error({ err, docId: this.d.docId, retryMs: waitMs }, 'storing document update failed; retrying');
        await new Promise((r) => setTimeout(r, waitMs));
        waitMs = Math.min(waitMs * 2, maxMs);
      }
    }
  }

  private async compact(): Promise<void> {
    // Taken synchronously: the live state covers every stored update up to `seq` (and maybe newer
    // ones, which replay harmlessly on load). Appends after `seq` may land meanwhile; they survive.
    const seq = this.lastSeq;
    const state = this.d.fullState();
    const counted = this.sinceSnapshot;
    const countedBytes = this.bytesSince;
    try {
      await this.d.log.compact(this.d.docId, seq, state, this.token);
      this.sinceSnapshot -= counted;
      this.bytesSince -= countedBytes;
      this.snapshotBytes = state.length;
    } catch (err) {
      this.d.logger.error({ err, docId: this.d.docId }, 'compacting document log failed; will retry later');
    } finally {
      this.compacting = null;
    }
  }
}
