/**
 * A room: one live Y.Doc with its awareness, its connections, its grouped writer and its fan-out
 * subscription. It does not care which socket drives it: the upgrade handler adds connections and
 * feeds their messages to `receive`, which throws InvalidMessage for anything malformed.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { CLOSE_TRY_AGAIN_LATER, messageAwareness, messageQueryAwareness, messageSync } from '../../shared/collab';
import type { Logger } from '../logger';
import type { Conn } from './connection';
import type { FanoutBatch, RoomFanout } from './fanout';
import { awarenessMessage, savedMessage, syncStep1Message, updateMessage } from './messages';
import type { LoadedLog, UpdateLog } from './updateLog';
import { RoomWriter, type RetryPolicy } from './writer';

/** Thrown by `receive` for bytes that are not a valid message; the caller closes with 4400. */
export class InvalidMessage extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidMessage';
  }
}

/** Awareness client ids one connection may announce. */
const MAX_AWARENESS_IDS = 16;

/** Transaction origin of updates that arrived from another process through the fan-out. */
const REMOTE = Symbol('remote');

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
  /** Called after each durable write (the core debounces the "stored" hook with it). */
  onDurable(docId: string): void;
  /** Called once the writer failed for good, after the room closed its connections: unload it now. */
  onFailed(room: Room): void;
}

/** One live document. */
export class Room {
  readonly docId: string;
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  readonly conns = new Map<string, Conn>();
  readonly writer: RoomWriter;
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
  private readonly unsubscribe: () => void;
  private awarenessDirty = new Set<number>();
  private awarenessLocalDirty = new Set<number>();
  private awarenessScheduled: NodeJS.Immediate | null = null;

  constructor(private readonly d: RoomDeps) {
    this.docId = d.docId;
    this.doc = d.loaded.doc;
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    // The server is not a participant: it announces no presence of its own.
    this.awareness.setLocalState(null);
    this.writer = new RoomWriter({
      docId: d.docId,
      log: d.log,
      logger: d.logger,
      stateVector: () => Y.encodeStateVector(this.doc),
      fullState: () => Y.encodeStateAsUpdate(this.doc),
      onDurable: (sv, origins) => this.onDurable(sv, origins),
      onFailed: () => this.onWriteFailed(),
      retry: d.retry,
      lastSeq: d.loaded.lastSeq,
      updatesSinceSnapshot: d.loaded.updatesSinceSnapshot,
      bytesSinceSnapshot: d.loaded.bytesSinceSnapshot,
      snapshotBytes: d.loaded.snapshotBytes,
      compactEvery: d.compactEvery,
    });
    this.doc.on('update', this.onDocUpdate);
    this.awareness.on('update', this.onAwarenessUpdate);
    const offUpdates = d.fanout.subscribe(d.docId, this.onBatch);
    const offAwareness = d.fanout.subscribeAwareness(d.docId, this.onRemoteAwareness);
    this.unsubscribe = () => {
      offUpdates();
      offAwareness();
    };
  }

  /** Adds a connection and opens the sync: server's step 1, current awareness, durable state if asked. */
  add(conn: Conn): void {
    this.conns.set(conn.id, conn);
    conn.send(syncStep1Message(this.doc));
    const states = this.awareness.getStates();
    if (states.size > 0) conn.send(awarenessMessage(this.awareness, [...states.keys()]));
    if (conn.wantsSaved) conn.send(savedMessage(this.writer.durableStateVector));
  }

  /** Removes a connection and the awareness states it announced. */
  remove(conn: Conn): void {
    if (!this.conns.delete(conn.id)) return;
    if (conn.awarenessIds.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...conn.awarenessIds], null);
    }
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
        let update: Uint8Array;
        try {
          update = decoding.readVarUint8Array(dec);
          // A client announces itself (the stock client: one id); a flood of ids is not presence.
          const count = decoding.readVarUint(decoding.createDecoder(update));
          if (count > MAX_AWARENESS_IDS || conn.awarenessIds.size > MAX_AWARENESS_IDS) throw new Error('too many awareness states');
          awarenessProtocol.applyAwarenessUpdate(this.awareness, update, conn);
        } catch (err) {
          throw new InvalidMessage('invalid awareness update', { cause: err });
        }
        return;
      }
      case messageQueryAwareness:
        conn.send(awarenessMessage(this.awareness, [...this.awareness.getStates().keys()]));
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
    try {
      // Decode fully first: Yjs integrates structs before reading the delete set, so a bad tail
      // would otherwise leave half an update applied.
      Y.decodeUpdate(payload);
    } catch (err) {
      throw new InvalidMessage('undecodable update', { cause: err });
    }
    const writesBefore = this.changes;
    try {
      Y.applyUpdate(this.doc, payload, conn);
    } catch (err) {
      throw new InvalidMessage('update could not be applied', { cause: err });
    }
    // Nothing new (already known content): the client still deserves to learn it is saved.
    if (conn.wantsSaved && this.changes === writesBefore && !this.writer.ackWhenDurable(conn.id)) {
      conn.send(savedMessage(this.writer.durableStateVector));
    }
  }

  /** Every integrated change (client, server edit) is queued for the store and published once. */
  private onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    this.changes++;
    if (origin === REMOTE) return;
    const originId = origin && typeof origin === 'object' && 'id' in origin ? String((origin as Conn).id) : this.d.serverOrigin;
    this.writer.push(update, originId);
    this.d.fanout.publish(this.docId, update, originId);
  };

  /** A batch from the fan-out: encode once, send to every connection but a lone origin. */
  private onBatch = (batch: FanoutBatch): void => {
    try {
      let remote = false;
      for (const o of batch.origins) if (!o.startsWith(this.d.originPrefix)) remote = true;
      if (remote) Y.applyUpdate(this.doc, batch.update, REMOTE);
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

  /** Presence from a room of this document in another process (ours come back too and are skipped). */
  private onRemoteAwareness = (update: Uint8Array, origin: string): void => {
    if (origin.startsWith(this.d.originPrefix)) return;
    try {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, update, REMOTE);
    } catch (err) {
      this.d.logger.error({ err, docId: this.docId }, 'applying relayed awareness failed');
    }
  };

  private onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const conn = origin && typeof origin === 'object' && 'awarenessIds' in origin ? (origin as Conn) : null;
    if (conn) {
      for (const id of added) conn.awarenessIds.add(id);
      for (const id of updated) conn.awarenessIds.add(id);
      for (const id of removed) conn.awarenessIds.delete(id);
    }
    // Changes from other processes and local timeouts are not published again (no echo between processes).
    const local = origin !== REMOTE && origin !== 'timeout';
    for (const list of [added, updated, removed]) {
      for (const id of list) {
        this.awarenessDirty.add(id);
        if (local) this.awarenessLocalDirty.add(id);
      }
    }
    // Presence changes of one turn go out as one message.
    this.awarenessScheduled ??= setImmediate(this.flushAwareness);
  };

  private flushAwareness = (): void => {
    this.awarenessScheduled = null;
    if (this.awarenessDirty.size === 0) return;
    try {
      const msg = awarenessMessage(this.awareness, [...this.awarenessDirty]);
      this.awarenessDirty.clear();
      for (const c of this.conns.values()) c.send(msg);
      if (this.awarenessLocalDirty.size > 0) {
        const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awarenessLocalDirty]);
        this.awarenessLocalDirty.clear();
        this.d.fanout.publishAwareness(this.docId, update, this.d.serverOrigin);
      }
    } catch (err) {
      this.awarenessDirty.clear();
      this.awarenessLocalDirty.clear();
      this.d.logger.error({ err, docId: this.docId }, 'broadcasting awareness failed');
    }
  };

  private onDurable(sv: Uint8Array, origins: ReadonlySet<string>): void {
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

  /** Applies a server-side edit in one transaction (persisted and broadcast like any update). */
  edit(fn: (doc: Y.Doc) => void): void {
    this.doc.transact(() => fn(this.doc), 'server');
  }

  /** Flushes pending writes, compacts if worth it, and releases everything the room holds. */
  async shutdown(compactMin: number): Promise<void> {
    this.d.fanout.flush();
    try {
      // A failed writer stores nothing more; what it lost was never acknowledged.
      if (!this.writer.failed) await this.writer.compactIfDirty(compactMin);
    } finally {
      this.unsubscribe();
      if (this.awarenessScheduled) clearImmediate(this.awarenessScheduled);
      this.doc.off('update', this.onDocUpdate);
      this.awareness.destroy();
      this.doc.destroy();
    }
  }
}
