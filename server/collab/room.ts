/**
 * A room: one live Y.Doc with its presence (presence.ts), its connections, its grouped writer and its fan-out
 * subscription. It does not care which socket drives it: the upgrade handler adds connections and
 * feeds their messages to `receive`, which throws InvalidMessage for anything malformed.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { CLOSE_TRY_AGAIN_LATER, messageAwareness, messageQueryAwareness, messageSync } from '../../shared/collab';
import type { Logger } from '../logger';
import type { Conn } from './connection';
import type { FanoutBatch, RoomFanout } from './fanout';
import { savedMessage, syncStep1Message, updateMessage } from './messages';
import { RoomOwnership } from './ownership';
import { RoomPresence } from './presence';
import type { DocRelay } from './relay';
import type { LoadedLog, UpdateLog } from './updateLog';
import { RoomWriter, type RetryPolicy } from './writer';

/** Thrown by `receive` for bytes that are not a valid message; the caller closes with 4400. */
export class InvalidMessage extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidMessage';
  }
}

/** Transaction origin of updates that arrived from another process through the fan-out. */
const REMOTE = Symbol('remote');

/**
 * In a cluster, a deletion a connection made that no acknowledgement has covered yet (a deletion shows in no
 * state vector). On the owner: the writer origin `token` that rides with the write carrying it. Elsewhere: the
 * stream entry that carried it (`instance`, `entry`), until the owner says a durable state includes that entry.
 * `next`: the next durable write, whatever it holds (only with a relay that numbers no entries, or an owner of
 * an older release that reports none).
 */
type PendingDeletion = { token: string } | { instance: string; entry: number } | { next: true };

/** Origins of updates relayed from another process: `relay:<instance>#<entry>` (doc-relay.ts). */
const RELAYED_ENTRY = /^relay:(.+)#(\d+)$/;

export interface RoomDeps {
  docId: string;
  loaded: LoadedLog;
  log: UpdateLog;
  fanout: RoomFanout;
  logger: Logger;
  /** Prefix shared by every origin id of this process (conn ids and the server's own edits). */
  originPrefix: string;
  /** Origin id used for server-side edits (`edit`). */
  serverOrigin: string;
  compactEvery: number;
  retry: RetryPolicy;
  /** Minimum spacing of the store writes (writer.ts). */
  writePaceMs?: number;
  /** Called after each durable write (the core debounces the "stored" hook with it). */
  onDurable(docId: string): void;
  /** Called once the writer failed for good, after the room closed its connections: unload it now. */
  onFailed(room: Room): void;
  /** Several processes run this document (relay.ts): one of them stores it. */
  relay?: DocRelay;
}

/** One live document. */
export class Room {
  readonly docId: string;
  readonly doc: Y.Doc;
  readonly presence: RoomPresence;
  readonly conns = new Map<string, Conn>();
  readonly writer: RoomWriter;
  /** Whether this process stores the document (always, without a relay). */
  readonly ownership: RoomOwnership;
  /** Callers holding the room (upgrades in progress, service calls): the room stays loaded meanwhile. */
  holds = 0;
  unloadTimer: NodeJS.Timeout | null = null;
  /** Set once unloading began; a new connection waits for `closed` and loads a fresh room. */
  closing: Promise<void> | null = null;
  /** An archived document takes no client edits until restored (server edits still apply). */
  archived = false;
  /** Count of integrated changes (tells `receive` whether an update added anything). */
  private changes = 0;
  /** Updates delivered to connections (for the benchmark and tests). */
  deliveries = 0;
  /**
   * In a cluster, per connection that asked for saved acknowledgements: the clocks its edits reach that no
   * acknowledgement has covered yet (`to`, as Y.parseUpdateMeta gives them), and its deletion that no
   * acknowledgement has covered yet (PendingDeletion: a state vector cannot show one).
   * A durable state vector is sent only to the connections it settles, not to everyone at every write.
   */
  private readonly awaiting = new Map<string, { to: Map<number, number>; deletion: PendingDeletion | null }>();
  /** Owner in a cluster: per process, its last stream entry that a durable write of this room included. */
  private readonly applied = new Map<string, number>();
  /** In a cluster: per process, its last stream entry this room applied (what a promotion's write holds). */
  private readonly received = new Map<string, number>();
  /** Numbers the writer origins of deletions (PendingDeletion.token). */
  private deletionTokens = 0;
  private readonly unsubscribe: () => void;

  constructor(private readonly d: RoomDeps) {
    this.docId = d.docId;
    this.doc = d.loaded.doc;
    this.presence = new RoomPresence(this.doc, {
      docId: d.docId,
      conns: this.conns,
      fanout: d.fanout,
      logger: d.logger,
      originPrefix: d.originPrefix,
      serverOrigin: d.serverOrigin,
    });
    this.writer = new RoomWriter({
      docId: d.docId,
      log: d.log,
      logger: d.logger,
      stateVector: () => Y.encodeStateVector(this.doc),
      fullState: () => Y.encodeStateAsUpdate(this.doc),
      onDurable: (sv, origins) => this.onDurable(sv, origins),
      onFailed: () => this.onWriteFailed(),
      retry: d.retry,
      writePaceMs: d.writePaceMs ?? 0,
      lastSeq: d.loaded.lastSeq,
      updatesSinceSnapshot: d.loaded.updatesSinceSnapshot,
      bytesSinceSnapshot: d.loaded.bytesSinceSnapshot,
      snapshotBytes: d.loaded.snapshotBytes,
      compactEvery: d.compactEvery,
    });
    this.ownership = new RoomOwnership({
      docId: d.docId,
      relay: d.relay,
      log: d.log,
      logger: d.logger,
      writer: this.writer,
      doc: this.doc,
      quietOrigin: REMOTE,
      serverOrigin: d.serverOrigin,
      onOwnerDurable: (sv, applied) =>
        this.sendSavedCovered(sv, (del) =>
          'entry' in del ? (applied ? (applied.get(del.instance) ?? 0) >= del.entry : true) : 'next' in del,
        ),
      onPromoted: () => this.promoted(),
      // Pending writes under the lost token will be refused: close like a failed write (clients resend).
      onLost: () => this.onWriteFailed(),
      onReconnected: () => this.d.fanout.publish(this.docId, Y.encodeStateAsUpdate(this.doc), this.d.serverOrigin),
    });
    this.doc.on('update', this.onDocUpdate);
    this.unsubscribe = d.fanout.subscribe(d.docId, this.onBatch);
    this.ownership.start();
  }

  /**
   * Cluster: sends `sv` (durable) to the connections whose awaited edits it covers, and to those whose
   * awaited deletion it stored (`stored`); the others hear nothing (their edits are not stored yet, or they
   * made none). A connection whose deletion is stored but whose clocks are not yet covered still hears `sv`
   * (its client counts the deletion saved) and keeps waiting for the clocks.
   */
  private sendSavedCovered(sv: Uint8Array, stored: (d: PendingDeletion) => boolean, only?: Conn): void {
    if (this.awaiting.size === 0) return;
    const have = Y.decodeStateVector(sv);
    let msg: Uint8Array | null = null;
    const check = (id: string, a: { to: Map<number, number>; deletion: PendingDeletion | null }) => {
      const c = this.conns.get(id);
      if (!c) return void this.awaiting.delete(id);
      let covered = true;
      for (const [client, clock] of a.to) {
        if ((have.get(client) ?? 0) < clock) {
          covered = false;
          break;
        }
      }
      const deletionStored = a.deletion !== null && stored(a.deletion);
      if (deletionStored) a.deletion = null;
      if (a.deletion !== null || (!covered && !deletionStored)) return;
      c.send((msg ??= savedMessage(sv)));
      if (covered) this.awaiting.delete(id);
    };
    if (only) {
      const a = this.awaiting.get(only.id);
      if (a) check(only.id, a);
    } else for (const [id, a] of [...this.awaiting]) check(id, a);
  }

  /**
   * Cluster: remembers that `conn` waits until the clocks `to` are durable, and until `deletion` is stored
   * when it made one (a later deletion replaces an earlier one: it is stored with it or after it).
   */
  private await(conn: Conn, to: Map<number, number>, deletion: PendingDeletion | null): void {
    let a = this.awaiting.get(conn.id);
    if (!a) this.awaiting.set(conn.id, (a = { to: new Map(), deletion: null }));
    if (deletion) a.deletion = deletion;
    for (const [client, clock] of to) a.to.set(client, Math.max(clock, a.to.get(client) ?? 0));
  }

  /**
   * Cluster: the deletion `conn` just made, as this process can follow it to the store: a token riding with
   * the owner's next write, or the stream entry that carries it to the owner.
   */
  private pendingDeletion(): PendingDeletion {
    if (this.ownership.owner) {
      const token = `deletion#${++this.deletionTokens}`;
      // The update was just queued for the store: the token joins that write's origins.
      this.writer.ackWhenDurable(token);
      return { token };
    }
    return this.d.relay?.entryFor?.(this.docId) ?? { next: true };
  }

  /**
   * Cluster: this process just became the owner and queued its whole state, which holds every deletion its
   * connections wait for: they now wait for that write.
   */
  private promoted(): void {
    // That write also holds every other process's entry this room applied while it did not store: the
    // owner reports them once it lands (their processes' deletions wait for that).
    for (const [instance, entry] of this.received) this.writer.ackWhenDurable(`relay:${instance}#${entry}`);
    for (const a of this.awaiting.values()) {
      if (!a.deletion || 'token' in a.deletion) continue;
      const token = `deletion#${++this.deletionTokens}`;
      this.writer.ackWhenDurable(token);
      a.deletion = { token };
    }
  }

  /** Adds a connection and opens the sync: server's step 1, current awareness, durable state if asked. */
  add(conn: Conn): void {
    this.conns.set(conn.id, conn);
    conn.send(syncStep1Message(this.doc));
    if (this.presence.size > 0) conn.send(this.presence.all());
    if (conn.wantsSaved) conn.send(savedMessage(this.ownership.durableStateVector()));
  }

  /** Removes a connection and the awareness states it announced. */
  remove(conn: Conn): void {
    if (!this.conns.delete(conn.id)) return;
    this.awaiting.delete(conn.id);
    this.presence.forget(conn);
  }

  /** Handles one message from `conn`. Throws InvalidMessage when the bytes are malformed. */
  receive(conn: Conn, data: Uint8Array): void {
    let type: number;
    const dec = decoding.createDecoder(data);
    try {
      type = decoding.readVarUint(dec);
    } catch (err) {
      throw new InvalidMessage('unreadable message type', { cause: err });
    }
    switch (type) {
      case messageSync:
        return this.receiveSync(conn, dec);
      case messageAwareness: {
        try {
          this.presence.apply(conn, decoding.readVarUint8Array(dec));
        } catch (err) {
          throw new InvalidMessage('invalid awareness update', { cause: err });
        }
        return;
      }
      case messageQueryAwareness:
        conn.send(this.presence.all());
        return;
      default:
        throw new InvalidMessage(`unknown message type ${type}`);
    }
  }

  private receiveSync(conn: Conn, dec: decoding.Decoder): void {
    let sub: number;
    let payload: Uint8Array;
    try {
      sub = decoding.readVarUint(dec);
      payload = decoding.readVarUint8Array(dec);
    } catch (err) {
      throw new InvalidMessage('truncated sync message', { cause: err });
    }
    if (sub === syncProtocol.messageYjsSyncStep1) {
      let diff: Uint8Array;
      try {
        diff = Y.encodeStateAsUpdate(this.doc, payload);
      } catch (err) {
        throw new InvalidMessage('invalid state vector', { cause: err });
      }
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, messageSync);
      encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
      encoding.writeVarUint8Array(e, diff);
      conn.send(encoding.toUint8Array(e));
      return;
    }
    if (sub !== syncProtocol.messageYjsSyncStep2 && sub !== syncProtocol.messageYjsUpdate) {
      throw new InvalidMessage(`unknown sync message ${sub}`);
    }
    // Read-only connections (guests) and archived documents: dropped, never applied, stored or broadcast.
    // After a failed write the room is closing: nothing more is taken (the client resends it later).
    if (!conn.canEdit || this.archived || this.writer.failed) return;
    let decoded: ReturnType<typeof Y.decodeUpdate>;
    try {
      // Decode fully first: Yjs integrates structs before reading the delete set, so a bad tail
      // would otherwise leave half an update applied.
      decoded = Y.decodeUpdate(payload);
    } catch (err) {
      throw new InvalidMessage('undecodable update', { cause: err });
    }
    // The document's own content rules (the mounter's): a refused update is never applied or stored.
    const refused = conn.validate?.(decoded, this.doc);
    if (refused) throw new InvalidMessage(refused);
    const writesBefore = this.changes;
    try {
      Y.applyUpdate(this.doc, payload, conn);
    } catch (err) {
      throw new InvalidMessage('update could not be applied', { cause: err });
    }
    if (!conn.wantsSaved) return;
    const unchanged = this.changes === writesBefore;
    if (this.d.relay) {
      // Cluster: acknowledged once a durable state vector (ours or the owner's) covers everything the
      // document holds now. Not just this update's clocks: an update carries only what this process lacked
      // (a reconnecting client's sync reply is often empty), while the client's own edits may have come in
      // through other clients and not be stored yet. An edit that only deletes also waits until that
      // deletion is stored (clocks cannot show it: see PendingDeletion). Already stored: acknowledged at once.
      const deletion = !unchanged && decoded.structs.length === 0 ? this.pendingDeletion() : null;
      this.await(conn, Y.decodeStateVector(Y.encodeStateVector(this.doc)), deletion);
      if (unchanged) this.sendSavedCovered(this.ownership.durableStateVector(), () => false, conn);
      return;
    }
    // Nothing new (already known content): the client still deserves to learn it is saved.
    if (unchanged && !this.writer.ackWhenDurable(conn.id)) conn.send(savedMessage(this.ownership.durableStateVector()));
  }

  /** Every integrated change (client, server edit) is queued for the store and published once. */
  private onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    this.changes++;
    // The owner stores what other processes' clients wrote too; nobody publishes it again.
    if (origin === REMOTE) {
      if (this.d.relay && this.ownership.owner) this.writer.push(update, 'remote');
      return;
    }
    const originId = origin && typeof origin === 'object' && 'id' in origin ? String((origin as Conn).id) : this.d.serverOrigin;
    if (this.ownership.owner) this.writer.push(update, originId);
    this.d.fanout.publish(this.docId, update, originId);
  };

  /**
   * The other processes' stream entries just applied: every room remembers the last of each process (a
   * promotion's write holds them). On the owner they ride with the write that stores what they brought
   * (their origins join its origins; onDurable reports them); when there is nothing to write (they brought
   * nothing new), all they hold is stored already: the owner says so at once, or their processes' deletions
   * would wait.
   */
  private trackRelayed(origins: ReadonlySet<string>): void {
    let settled = false;
    for (const origin of origins) {
      if (!noteEntry(this.received, origin)) continue;
      // A writer that failed stores nothing more: what it was handed is not stored (the room is closing).
      if (!this.ownership.owner || this.writer.failed || this.writer.ackWhenDurable(origin)) continue;
      settled = noteEntry(this.applied, origin) || settled;
    }
    if (settled) this.ownership.published(this.writer.durableStateVector, this.applied);
  }

  /**
   * A batch from the fan-out: applies what other processes sent (not the whole batch: the rest is this
   * room's own, already applied), then encodes once and sends to every connection but a lone origin.
   */
  private onBatch = (batch: FanoutBatch): void => {
    try {
      const foreign = batch.foreign;
      if (foreign.length === 1) Y.applyUpdate(this.doc, foreign[0]!, REMOTE);
      else if (foreign.length > 1) this.doc.transact(() => foreign.forEach((u) => Y.applyUpdate(this.doc, u, REMOTE)), REMOTE);
      if (foreign.length > 0 && this.d.relay) this.trackRelayed(batch.origins);
      const msg = updateMessage(batch.update);
      const skip = batch.origins.size === 1 ? batch.origins.values().next().value : undefined;
      for (const c of this.conns.values()) {
        if (c.id === skip) continue;
        c.send(msg);
        this.deliveries++;
      }
    } catch (err) {
      this.d.logger.error({ err, docId: this.docId }, 'broadcasting an update failed');
    }
  };

  private onDurable(sv: Uint8Array, origins: ReadonlySet<string>): void {
    if (this.d.relay) {
      // The other processes' entries this write included: their deletions are stored now.
      for (const origin of origins) noteEntry(this.applied, origin);
      this.ownership.published(sv, this.applied);
      // This process may hold edits integrated before it became the owner: every connection whose edits
      // the write covered hears it (origins name only this owner's own batches).
      this.sendSavedCovered(sv, (del) => ('token' in del ? origins.has(del.token) : 'next' in del));
      this.d.onDurable(this.docId);
      return;
    }
    this.ownership.published(sv);
    let msg: Uint8Array | null = null;
    for (const c of this.conns.values()) {
      if (!c.wantsSaved || !origins.has(c.id)) continue;
      msg ??= savedMessage(sv);
      c.send(msg);
    }
    this.d.onDurable(this.docId);
  }

  /**
   * The store refused a write for good: every connection is closed with 1013 (try again later; the stock
   * client reconnects and resends what the new room lacks), and the room leaves memory.
   */
  private onWriteFailed(): void {
    for (const c of [...this.conns.values()]) {
      c.close(CLOSE_TRY_AGAIN_LATER, 'store_unavailable');
      this.remove(c);
    }
    this.d.onFailed(this);
  }

  /** Resolves once everything this room holds now is durable (whichever process stores it). */
  flushed(): Promise<void> {
    return this.ownership.durable(Y.encodeStateVector(this.doc));
  }

  /** Applies a server-side edit in one transaction (persisted and broadcast like any update). */
  edit(fn: (doc: Y.Doc) => void): void {
    this.doc.transact(() => fn(this.doc), 'server');
  }

  /** Flushes pending writes, compacts if worth it, and releases everything the room holds. */
  async shutdown(compactMin: number): Promise<void> {
    this.d.fanout.flush();
    try {
      // A failed writer stores nothing more; what it lost was never acknowledged.
      if (!this.writer.failed && this.ownership.owner) await this.writer.compactIfDirty(compactMin);
    } finally {
      await this.ownership.stop();
      this.unsubscribe();
      this.presence.destroy();
      this.doc.off('update', this.onDocUpdate);
      this.doc.destroy();
    }
  }
}

/** When `origin` names another process's stream entry (RELAYED_ENTRY), raises that process's number in `to`. */
function noteEntry(to: Map<string, number>, origin: string): boolean {
  const m = RELAYED_ENTRY.exec(origin);
  if (!m) return false;
  const entry = Number(m[2]);
  if (entry > (to.get(m[1]!) ?? 0)) to.set(m[1]!, entry);
  return true;
}
