/**
 * A feature plugs into the app without the app knowing its insides: its indexes, its HTTP routes under
 * /api, its Socket.IO events, and anything it attaches to the HTTP server (the Yjs upgrade).
 * A feature is a factory called once per app, so services it creates are shared by its parts and never
 * leak between two apps in one process (tests restart apps).
 *
 * Features are peers: none reads another's collections. What one offers the others is a port it
 * `provides`; features are created in order and each receives the ports provided before it.
 */
import type { Server as HttpServer } from 'node:http';
import type { Router } from 'express';
import type { Ctx } from './context';
import type { Notice } from './chat/notify';
import type { CommentNoticeSubject } from './chat/records';
import type { DocsPort } from './docs/port';
import type { EventHandler } from './realtime/kit';
import type { RealtimePort } from './realtime/port';
import type { SpaceDataPort } from './spacedata/port';
import type { IndexSpec } from './store/port';

/** What the peers of the app offer one another. */
export interface PeerPorts {
  /** Documents (exists, title, space, notes edits, Markdown, create/remove/retitle); absent without the docs feature. */
  docs?: DocsPort;
  /** The notification bell and the moderation log (the discussion's), for other features' events. */
  notices?: NoticesPort;
  /** Where each feature registers its part of a space's export and erase (server/spacedata). */
  spaceData?: SpaceDataPort;
}

/** A facilitator's removal of someone's comment, as the moderation log keeps it (`messageId` is the thread's id). */
export interface CommentModeration {
  spaceId: string;
  docId: string;
  docTitle: string;
  messageId: string;
  commentId: string;
  actorId: string;
  authorId: string;
  text: string;
  at: Date;
}

export interface NoticesPort {
  notify(n: Notice): Promise<void>;
  /** Removes the notifications about a removed comment thread or comment, and updates the bells showing them. */
  withdraw(subject: CommentNoticeSubject): Promise<void>;
  /**
   * A facilitator removes someone's comment; the space's moderation log keeps it. Made atomic by order, like
   * a removed message (server/chat/moderation.ts): `moderated` writes the entry pending (one per comment,
   * so a retry finds it again), the comment is removed, then `moderationDone` makes the entry final. A
   * pending entry is not shown; the comments feature finishes pending ones at start.
   */
  moderated(m: CommentModeration): Promise<void>;
  /** Makes the entry final; true for the one call that did (it audits the removal, once). */
  moderationDone(commentId: string): Promise<boolean>;
  /** Comment removals a crash cut short (entry written, removal maybe not): for the comments feature's repair. */
  pendingCommentModerations(): Promise<CommentModeration[]>;
  /** Which of `ids` (notifications of `userId`) are still unread: the daily email digest mails only those. */
  unreadAmong(userId: string, ids: string[]): Promise<string[]>;
}

export interface Ports extends PeerPorts {
  /** Broadcasts to a space, users or a room, and attendance; the only way a feature reaches sockets. */
  realtime: RealtimePort;
}

export interface FeatureRuntime {
  /** Flushes pending writes and closes what the feature opened (called on shutdown, before the store closes). */
  close?(): Promise<void>;
}

export interface FeatureInstance {
  routes?(): Router;
  /** The feature's Socket.IO events, declared with the realtime kit (`on`). */
  events?: EventHandler[];
  /** Attaches to the HTTP server (e.g. its `upgrade` event). */
  attach?(server: HttpServer): FeatureRuntime | Promise<FeatureRuntime>;
  /** Flushes and stops what the feature runs itself (called on shutdown, before the store closes). */
  close?(): Promise<void>;
  /**
   * Routes mounted before the JSON-only body rule, for requests other software sends as a form
   * (RFC 8058 one-click unsubscribe). They must not read `req.body`.
   */
  formRoutes?(): Router;
  /** Ports this feature offers the features created after it. */
  provides?: PeerPorts;
  /**
   * Finishes or rolls back multi-step writes a crash cut short (see server/crash.ts). Runs once at start,
   * before the app serves anything; must be idempotent (a crash during repair is repaired at the next start).
   */
  repair?(): Promise<void>;
}

export interface Feature {
  name: string;
  indexes?: IndexSpec[];
  create(ctx: Ctx, ports: Ports): FeatureInstance;
}
