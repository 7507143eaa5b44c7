/**
 * A room's presence (y-protocols awareness): what each connection announces, relayed to the room's
 * connections and to rooms of the same document elsewhere (through the fan-out) at the end of the event-loop
 * turn, or, on a busy document, at most every PRESENCE_PACE_MS with the changes of that window merged.
 * The server is not a participant: it announces no presence of its own.
 */
import * as decoding from 'lib0/decoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { Logger } from '../logger';
import type { Conn } from './connection';
import { Pacer, type RoomFanout } from './fanout';
import { awarenessMessage } from './messages';

/** Awareness client ids one connection may announce. */
const MAX_AWARENESS_IDS = 16;

/**
 * A busy document relays presence at most every 50 ms (carets at 20 frames a second). Every caret move is a
 * presence change, and the stock y-websocket client sends back every change it hears: unpaced, 20 people
 * typing would have each stock client echo ~100 messages a second, the per-connection rate limit. A quiet
 * document's change still goes out at the end of the turn.
 */
export const PRESENCE_PACE_MS = 50;

/** Origin of presence that arrived from another process through the fan-out. */
const REMOTE = Symbol('remote');

export interface PresenceDeps {
  docId: string;
  conns: ReadonlyMap<string, Conn>;
  fanout: RoomFanout;
  logger: Logger;
  originPrefix: string;
  serverOrigin: string;
}

/** Presence of one live document. */
export class RoomPresence {
  readonly awareness: awarenessProtocol.Awareness;
  private dirty = new Set<number>();
  private localDirty = new Set<number>();
  private readonly pacer = new Pacer(PRESENCE_PACE_MS, () => this.flush());
  private readonly unsubscribe: () => void;

  constructor(
    doc: Y.Doc,
    private readonly d: PresenceDeps,
  ) {
    this.awareness = new awarenessProtocol.Awareness(doc);
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.onUpdate);
    this.unsubscribe = d.fanout.subscribeAwareness(d.docId, this.onRemote);
  }

  /** How many states are known. */
  get size(): number {
    return this.awareness.getStates().size;
  }

  /** One message carrying every known state (on open, and for a query). */
  all(): Uint8Array {
    return awarenessMessage(this.awareness, [...this.awareness.getStates().keys()]);
  }

  /**
   * Applies an update `conn` sent; throws for garbage or a flood of client ids (the caller closes with 4400).
   * The stock client re-sends every presence change it hears, other people's included (y-websocket's awareness
   * handler does not look at where a change came from), so one message may carry every state of the room.
   * Those echoes change nothing here (same clocks). What is capped is what a connection announces as its own.
   */
  apply(conn: Conn, update: Uint8Array): void {
    const count = decoding.readVarUint(decoding.createDecoder(update));
    if (count > this.size + MAX_AWARENESS_IDS) throw new Error('too many awareness states');
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, conn);
    if (conn.awarenessIds.size > MAX_AWARENESS_IDS) {
      // A flood of ids of its own: withdrawn at once (before the end-of-turn relay), then the caller closes.
      awarenessProtocol.removeAwarenessStates(this.awareness, [...conn.awarenessIds], null);
      throw new Error('too many awareness states');
    }
  }

  /** Removes the states `conn` announced (it left). */
  forget(conn: Conn): void {
    if (conn.awarenessIds.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...conn.awarenessIds], null);
  }

  /** Relays what is still waiting for its pace (the last leaver's goodbye), stops, releases the awareness. */
  destroy(): void {
    this.pacer.stop();
    if (this.dirty.size > 0) this.flush();
    this.unsubscribe();
    this.awareness.destroy();
  }

  /** Presence from a room of this document in another process (ours come back too and are skipped). */
  private onRemote = (update: Uint8Array, origin: string): void => {
    if (origin.startsWith(this.d.originPrefix)) return;
    try {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, update, REMOTE);
    } catch (err) {
      this.d.logger.error({ err, docId: this.d.docId }, 'applying relayed awareness failed');
    }
  };

  private onUpdate = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown): void => {
    const conn = origin && typeof origin === 'object' && 'awarenessIds' in origin ? (origin as Conn) : null;
    if (conn) {
      for (const id of added) conn.awarenessIds.add(id);
      for (const id of updated) conn.awarenessIds.add(id);
      for (const id of removed) conn.awarenessIds.delete(id);
    }
    // Changes from other processes and local timeouts are not published again (no echo between processes).
    const local = origin !== REMOTE && origin !== 'timeout';
    const pending = this.dirty.size > 0;
    for (const list of [added, updated, removed]) {
      for (const id of list) {
        this.dirty.add(id);
        if (local) this.localDirty.add(id);
      }
    }
    // Presence changes of one turn (of one pace, on a busy document) go out as one message: the first change
    // of a batch schedules it, the flush empties it.
    if (!pending && this.dirty.size > 0) this.pacer.schedule('');
  };

  private flush(): void {
    if (this.dirty.size === 0) return;
    try {
      const msg = awarenessMessage(this.awareness, [...this.dirty]);
      this.dirty.clear();
      for (const c of this.d.conns.values()) c.send(msg);
      if (this.localDirty.size > 0) {
        const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.localDirty]);
        this.localDirty.clear();
        this.d.fanout.publishAwareness(this.d.docId, update, this.d.serverOrigin);
      }
    } catch (err) {
      this.dirty.clear();
      this.localDirty.clear();
      this.d.logger.error({ err, docId: this.d.docId }, 'broadcasting awareness failed');
    }
  }
}
