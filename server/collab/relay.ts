/**
 * The seam for running one document on several processes (a Redis implementation lives in
 * server/cluster/doc-relay.ts). Every process with clients on a document has a room; updates and presence
 * cross between them through `fanout`; exactly one of them, the owner, stores the document. Ownership is
 * a lease with a fencing token: the owner's writes carry it and the store refuses (updateLog.ts) those of
 * an owner whose lease another process took since. The owner publishes the state vector it made durable,
 * so the other processes can send their own writers' saved acknowledgements.
 */
import type { RoomFanout } from './fanout';

export interface DocRelay {
  /** The cross-process fan-out of updates and presence (replaces the in-process one). */
  readonly fanout: RoomFanout;
  /** How often a room claims (or keeps) its document's ownership, in ms. */
  readonly claimEveryMs: number;
  /**
   * Takes the document's ownership when nobody holds it, or keeps it when we do: resolves our fencing
   * token, or null when another process owns it. A new token is always above `minToken`.
   */
  claim(docId: string, minToken?: number): Promise<number | null>;
  /** Gives the ownership up (unload, drain); no-op when not ours. */
  release(docId: string): Promise<void>;
  /**
   * True once after a publication of `docId` was lost (Redis refused it or was away): the room then
   * publishes its whole state again, so what the lost entry carried still reaches the other processes.
   */
  takePublishFailure?(docId: string): boolean;
  /**
   * The owner tells every process which state is durable now, and (`applied`) per process the number of
   * the last of its entries that state includes: a deletion shows in no state vector, so that is how the
   * process that took it knows it is stored.
   */
  publishDurable(docId: string, stateVector: Uint8Array, applied?: ReadonlyMap<string, number>): void;
  /**
   * Receives the owner's durable state vectors for `docId` (with `applied`, unless the owner runs an older
   * release), and `released` when an owner gave the document up (a drain), so another process claims it
   * at once; returns the unsubscribe function.
   */
  subscribeDurable(docId: string, listener: (stateVector: Uint8Array, applied?: ReadonlyMap<string, number>) => void, released?: () => void): () => void;
  /**
   * This process's id and the number of the entry that carries what it published for `docId` last (asked
   * right after publishing); undefined when nothing was published for it since it was opened.
   */
  entryFor?(docId: string): { instance: string; entry: number } | undefined;
}
