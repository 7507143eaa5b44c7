/**
 * The collab core's ports, in the manner of Hocuspocus: the core owns rooms, sync, the update log and
 * the /yjs socket; whoever mounts it (the docs feature) answers the questions only it can answer
 * through hooks: who is connecting, may they open and edit this document, does it exist, and what
 * happens once edits are stored. The core imports no feature and no web framework.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type * as Y from 'yjs';
import type { Logger } from '../logger';
import type { Store } from '../store/port';
import type { RoomFanout } from './fanout';
import type { DocRelay } from './relay';
import type { CollabService } from './service';

/** Who opened a connection (from `onAuthenticate`). */
export interface CollabUser {
  userId: string;
  /** The login the connection rides on (a logout closes exactly its connections). */
  loginId: string;
}

/** A Yjs update as `Y.decodeUpdate` reads it (the core decodes every client update once). */
export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

/**
 * Checks the content of a client's update before it is applied to `doc` (the room's document, for
 * resolving what the update's items attach to): returns why it is refused, or null. A refused update is
 * never applied, stored or relayed; the connection closes with 4400.
 */
export type UpdateValidator = (update: DecodedUpdate, doc: Y.Doc) => string | null;

/** What `onAccess` grants a user on one document. */
export interface DocAccess {
  /** The group the document belongs to (a space): lets the mounter close a group's connections. */
  spaceId: string;
  /** False: the connection may read and show presence, its document updates are dropped. */
  canEdit: boolean;
  /** An archived document takes no client edits on any connection. */
  archived: boolean;
  /** The document's content rules (e.g. a budget's amounts), checked on every client update. */
  validate?: UpdateValidator;
}

/** A document as the core needs to know it before a server-side edit. */
export interface DocInfo {
  archived: boolean;
}

/** The questions the core asks its mounter. Each may throw UpgradeRefusal to refuse an upgrade. */
export interface CollabHooks {
  /** Checks the upgrade request itself (Origin, session cookie); throws `forbidden` or `authentication_required`. */
  onAuthenticate(request: IncomingMessage): Promise<CollabUser>;
  /** Whether `user` may open `docId`; throws `not_found` (unknown) or `forbidden` (no access). */
  onAccess(user: CollabUser, docId: string): Promise<DocAccess>;
  /** The document before a server-side edit, or null when it does not exist. */
  onLoadDocument(docId: string): Promise<DocInfo | null>;
  /** Edits of `docId` were stored; called at most once per `storedIntervalMs` per document (last call included). */
  onStoreDocument?(docId: string, at: Date): Promise<void>;
}

/** The message-rate port: `consume` resolves true while `key` is within its limit. */
export interface CollabLimiter {
  consume(key: string, points?: number): Promise<boolean>;
}

/** Tunables; every one has a production default. Tests shorten the delays. */
export interface CollabOptions {
  /** How long a room stays loaded after its last client leaves (default 10 s). */
  unloadDelayMs?: number;
  /** Log updates between snapshots (default 500). */
  compactEvery?: number;
  /** On unload, snapshot when at least this many updates landed since the last one (default 1). */
  compactOnUnloadMin?: number;
  /** Minimum interval between `onStoreDocument` calls per document (default 5 s). */
  storedIntervalMs?: number;
  /** Ping interval; a connection that has not answered the previous ping is dropped (default 30 s). */
  heartbeatMs?: number;
  /** Store-write attempts before a room gives up and closes its connections with 1013 (default 8, 50 ms doubling to 5 s). */
  writeRetry?: { attempts: number; minMs: number; maxMs: number };
  /**
   * A busy document broadcasts at most once per this many ms, merging the keystrokes of the window
   * (default 10; a quiet document is delivered at the end of the turn). Ignored with `fanout` or `relay`.
   */
  broadcastPaceMs?: number;
  /**
   * A document's consecutive store writes start at least this many ms apart; what arrives meanwhile joins
   * the next write (a write after a quiet spell starts at once). Default 0 alone, CLUSTER_WRITE_PACE_MS with
   * a relay, where every write costs two round trips (the insert and the fencing check).
   */
  writePaceMs?: number;
  /** Replaces the in-process fan-out (tests). */
  fanout?: RoomFanout;
  /** Runs documents across processes (server/cluster/doc-relay.ts): its fan-out, one storing owner per document. */
  relay?: DocRelay;
}

/** Everything `createCollab` needs. */
export interface CollabDeps {
  /** Where the update log and snapshots live (`docUpdates`, `docSnapshots`). */
  store: Store;
  logger: Logger;
  hooks: CollabHooks;
  /** Counts every message a connection sends (key: the connection id); false closes it with 4429. */
  limiter: CollabLimiter;
  /** Largest message a client may send; larger closes with 4413. */
  maxMessageBytes: number;
  now?: () => number;
  options?: CollabOptions;
}

export interface CollabStats {
  rooms: number;
  connections: number;
  /** Updates delivered to connections by live rooms. */
  deliveries: number;
  /** Store writes of the update log by live rooms. */
  writes: number;
}

/** One collab core. */
export interface Collab {
  service: CollabService;
  /** Handles `upgrade` requests for /yjs/* on the shared HTTP server. */
  attach(server: HttpServer): void;
  /** Refuses new upgrades, closes every connection with 1001, flushes and snapshots every room. */
  close(): Promise<void>;
  /** Live counters (tests, benchmark, health). */
  stats(): CollabStats;
}
