/**
 * One client's WebSocket inside a room: who it is, whether it may edit, whether it asked for saved
 * acknowledgements, which awareness client ids it controls, and the chain its messages run on.
 */
import type { WebSocket } from 'ws';
import { CLOSE_TRY_AGAIN_LATER } from '../../shared/collab';
import type { UpdateValidator } from './types';

export interface ConnIdentity {
  userId: string;
  loginId: string;
  spaceId: string;
  docId: string;
  /** False for guests: their document updates are dropped. */
  canEdit: boolean;
  /** Opened with `?saved=1`: receives message type 100. */
  wantsSaved: boolean;
  /** The document's content rules for this connection's updates. */
  validate?: UpdateValidator;
}

/** A connection; its `id` is unique across processes (it travels through the fan-out as an origin). */
export class Conn implements ConnIdentity {
  readonly userId: string;
  readonly loginId: string;
  readonly spaceId: string;
  readonly docId: string;
  canEdit: boolean;
  readonly wantsSaved: boolean;
  readonly validate?: UpdateValidator;
  /** Awareness client ids this connection has announced (removed when it leaves). */
  readonly awarenessIds = new Set<number>();
  closed = false;
  /** Cleared at each heartbeat, set again by the client's pong; still clear next time: the peer is gone. */
  alive = true;
  /** The message being handled: the rate check is asynchronous, and messages must apply in order. */
  chain: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    who: ConnIdentity,
    private readonly maxBuffered: number,
  ) {
    this.userId = who.userId;
    this.loginId = who.loginId;
    this.spaceId = who.spaceId;
    this.docId = who.docId;
    this.canEdit = who.canEdit;
    this.wantsSaved = who.wantsSaved;
    this.validate = who.validate;
  }

  /**
   * Sends a binary message if the socket is still open (never throws). A client that stops reading
   * lets its buffer grow; past `maxBuffered` it is closed with 1013 (try again later) so it
   * reconnects and resyncs instead of holding the server's memory.
   */
  send(data: Uint8Array): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.maxBuffered) {
      this.close(CLOSE_TRY_AGAIN_LATER, 'slow_consumer');
      return;
    }
    try {
      this.ws.send(data, { binary: true, compress: false });
    } catch {
      /* the socket went away under us; its close handler cleans up */
    }
  }

  /** Closes with a code and short reason (once). */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.ws.close(code, reason.slice(0, 120));
    } catch {
      this.ws.terminate();
    }
  }
}
