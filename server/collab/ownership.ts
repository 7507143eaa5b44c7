/**
 * Who stores a room's document. Alone (no relay) the room always does. In a cluster (relay.ts) it claims
 * the document's lease at once and then every `claimEveryMs`: the process that gets it fences the store
 * with its token, reloads what is stored into the live document (so its state covers every write an
 * older owner could still acknowledge), then stores that whole state and everything after. The others
 * store nothing and take their saved acknowledgements from the owner's published durable state vectors;
 * when the owner dies its lease expires and one of them takes over.
 */
import * as Y from 'yjs';
import type { Logger } from '../logger';
import type { DocRelay } from './relay';
import type { UpdateLog } from './updateLog';
import type { RoomWriter } from './writer';

export interface OwnershipDeps {
  docId: string;
  relay: DocRelay | undefined;
  log: UpdateLog;
  logger: Logger;
  writer: RoomWriter;
  doc: Y.Doc;
  /** Transaction origin for state that must not be published again (it came from the store). */
  quietOrigin: unknown;
  /** Writer origin of the whole-state write a new owner makes. */
  serverOrigin: string;
  /** The owner (another process) made `sv` durable; `applied`: per process, its last entry that includes. */
  onOwnerDurable(sv: Uint8Array, applied?: ReadonlyMap<string, number>): void;
  /** This process just became the owner and queued its whole state for its first write. */
  onPromoted?(): void;
  /** This process was the owner and is no longer: the room must close (its pending writes will be refused). */
  onLost(): void;
  /**
   * Redis answers again after failing: what crossed no process meanwhile must be sent again (the room
   * publishes its whole state; receivers ignore what they have).
   */
  onReconnected(): void;
}

/** A room's side of the ownership. */
export class RoomOwnership {
  /** True while this room stores the document (always without a relay). */
  owner: boolean;
  private token: number | null = null;
  private minToken = 0;
  /** The owner's latest durable state vector, while we are not the owner. */
  private ownerDurable: Uint8Array;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private stopped = false;
  private failing = false;
  /** Callers waiting until what they see is durable (server edits on a process that is not the owner). */
  private waiters: { target: Uint8Array; resolve: () => void; reject: (err: Error) => void; timer: NodeJS.Timeout }[] = [];
  private unsubscribe: () => void = () => {};

  constructor(private readonly d: OwnershipDeps) {
    this.owner = !d.relay;
    this.ownerDurable = d.writer.durableStateVector;
  }

  /** Starts claiming (cluster only). */
  start(): void {
    const { relay } = this.d;
    if (!relay) return;
    this.unsubscribe = relay.subscribeDurable(
      this.d.docId,
      (sv, applied) => {
        if (this.owner) return;
        this.ownerDurable = sv;
        this.d.onOwnerDurable(sv, applied);
        this.settle((w) => covers(sv, w.target));
      },
      () => void this.tick(),
    );
    void this.tick();
    this.timer = setInterval(() => void this.tick(), relay.claimEveryMs);
    this.timer.unref();
  }

  /** What is durable as far as this room knows (its own writer's, or the owner's). */
  durableStateVector(): Uint8Array {
    return this.owner ? this.d.writer.durableStateVector : this.ownerDurable;
  }

  /**
   * Resolves once the state `target` (a state vector) is durable: at once from our writer when we own the
   * document, else when the owner says so (or we take over); rejects after `timeoutMs`.
   */
  durable(target: Uint8Array, timeoutMs = 15_000): Promise<void> {
    if (this.owner) return this.d.writer.flush();
    if (covers(this.ownerDurable, target)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`document ${this.d.docId}: no owner stored the edit in time`));
      }, timeoutMs);
      timer.unref();
      this.waiters.push({ target, resolve, reject, timer });
    });
  }

  private settle(done: (w: (typeof this.waiters)[number]) => boolean, err?: Error): void {
    this.waiters = this.waiters.filter((w) => {
      if (!done(w)) return true;
      clearTimeout(w.timer);
      if (err) w.reject(err);
      else w.resolve();
      return false;
    });
  }

  /** The owner's writer made `sv` durable (and the other processes' entries `applied`): every process hears it. */
  published(sv: Uint8Array, applied?: ReadonlyMap<string, number>): void {
    if (this.owner && this.d.relay) this.d.relay.publishDurable(this.d.docId, sv, applied);
  }

  private async tick(): Promise<void> {
    const { relay } = this.d;
    if (!relay || this.busy || this.stopped) return;
    this.busy = true;
    try {
      for (let attempt = 0; attempt < 2 && !this.stopped; attempt++) {
        const asked = Date.now();
        const token = await relay.claim(this.d.docId, this.minToken);
        // A claim that failed, or waited in the client's offline queue, means Redis was away; a lost stream
        // entry (refused, or sent as the connection dropped) lost what it carried. Either way the room
        // publishes its whole state again (the other processes apply only what they lack).
        const lostEntry = relay.takePublishFailure?.(this.d.docId) ?? false;
        if (this.failing || Date.now() - asked > relay.claimEveryMs || lostEntry) {
          this.failing = false;
          this.d.onReconnected();
        }
        if (this.owner) {
          // Not ours any more (expired while we were paused, or Redis lost the key): stop storing.
          if (token !== this.token) this.lose();
          return;
        }
        if (token === null || (await this.promote(token))) return;
      }
    } catch (err) {
      // Redis away: an owner keeps storing (the store's fencing guards it), a follower keeps waiting.
      this.failing = true;
      this.d.logger.warn({ err, docId: this.d.docId }, 'document ownership claim failed');
    } finally {
      this.busy = false;
    }
  }

  /** Fences the store with `token` and becomes the owner; false when a newer token stands (retry above it). */
  private async promote(token: number): Promise<boolean> {
    const { log, docId, doc, writer, relay } = this.d;
    const higher = await log.fence(docId, token);
    if (higher !== null) {
      this.minToken = higher;
      await relay!.release(docId);
      return false;
    }
    const loaded = await log.load(docId);
    if (this.stopped) return true;
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(loaded.doc), this.d.quietOrigin);
    loaded.doc.destroy();
    writer.adopt(token, loaded);
    this.token = token;
    this.owner = true;
    this.d.logger.info({ docId, token }, 'document ownership taken');
    // Whatever this process integrated as a follower (its own clients' edits, the stream) is stored now.
    writer.push(Y.encodeStateAsUpdate(doc), this.d.serverOrigin);
    this.d.onPromoted?.();
    writer.flush().then(
      () => this.settle(() => true),
      (err: Error) => this.settle(() => true, err),
    );
    return true;
  }

  private lose(): void {
    this.owner = false;
    this.token = null;
    this.d.logger.warn({ docId: this.d.docId }, 'document ownership lost');
    this.d.onLost();
  }

  /** Stops claiming and frees the lease if held (after the last write). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.settle(() => true, new Error(`document ${this.d.docId} left memory before an owner stored the edit`));
    this.unsubscribe();
    if (this.owner && this.d.relay) await this.d.relay.release(this.d.docId).catch(() => undefined);
  }
}

/** True when state vector `sv` includes every clock of `target`. */
function covers(sv: Uint8Array, target: Uint8Array): boolean {
  const have = Y.decodeStateVector(sv);
  for (const [client, clock] of Y.decodeStateVector(target)) if ((have.get(client) ?? 0) < clock) return false;
  return true;
}
