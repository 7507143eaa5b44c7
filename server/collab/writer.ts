/**
 * Grouped durable writes for one room. While one write is in flight, new updates queue; when it lands,
 * one merged insert covers the whole queue. Each landed write reports the state vector it made durable
 * and which connections' updates it covered (for the saved acknowledgement). Every few updates the log
 * is compacted into a snapshot, in the same serial chain so sequence numbers stay ordered.
 */
import * as Y from 'yjs';
import type { Logger } from '../logger';
import { DuplicateKeyError } from '../store/port';
import type { UpdateLog } from './updateLog';

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
  lastSeq: number;
  updatesSinceSnapshot: number;
  bytesSinceSnapshot?: number;
  snapshotBytes?: number;
  /**
   * Compact after this many log records, once the log also holds at least 1/16 of the snapshot's
   * size: a large document is not re-encoded every few hundred keystrokes.
   */
  compactEvery: number;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 5_000;

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
  private retryMs = RETRY_MIN_MS;
  private compacting: Promise<void> | null = null;
  /** Origins of the write in flight (ack targets), while one is. */
  private inflightOrigins: Set<string> | null = null;
  /** State vector of the durably stored state (starts as the loaded state). */
  durableStateVector: Uint8Array;
  /** Store writes performed (for tests and the benchmark). */
  writes = 0;

  constructor(private readonly d: WriterDeps) {
    this.lastSeq = d.lastSeq;
    this.sinceSnapshot = d.updatesSinceSnapshot;
    this.bytesSince = d.bytesSinceSnapshot ?? 0;
    this.snapshotBytes = d.snapshotBytes ?? 0;
    this.durableStateVector = d.stateVector();
  }

  /** Queues an update for the store; `origin` is the connection id (or 'server'). */
  push(update: Uint8Array, origin: string): void {
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

  /** Resolves once everything pushed so far is durable (retries until the store accepts it). */
  async flush(): Promise<void> {
    while (this.inflight || this.pending.length) {
      if (this.pendingDone) await this.pendingDone.promise;
      else await this.inflight;
    }
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
        let seq = this.lastSeq + 1;
        // Retry this very record until it lands; a retry that finds it already stored (the failed call
        // did store it) counts as landed. Newer updates keep queueing behind it meanwhile.
        let mayHaveLanded = false;
        for (;;) {
          try {
            await this.d.log.append(this.d.docId, seq, update);
            break;
          } catch (err) {
            if (err instanceof DuplicateKeyError) {
              if (mayHaveLanded) break;
              // Someone else holds this sequence number (another process writing this document).
              this.d.logger.warn({ docId: this.d.docId, seq }, 'update sequence number taken; using the next one');
              seq++;
              continue;
            }
            mayHaveLanded = true;
            this.d.logger.error({ err, docId: this.d.docId, retryMs: this.retryMs }, 'storing document update failed; retrying');
            await new Promise((r) => setTimeout(r, this.retryMs));
            this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
          }
        }
        this.retryMs = RETRY_MIN_MS;
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

  private async compact(): Promise<void> {
    // Taken synchronously: the live state covers every stored update up to `seq` (and maybe newer
    // ones, which replay harmlessly on load). Appends after `seq` may land meanwhile; they survive.
    const seq = this.lastSeq;
    const state = this.d.fullState();
    const counted = this.sinceSnapshot;
    const countedBytes = this.bytesSince;
    try {
      await this.d.log.compact(this.d.docId, seq, state);
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
