/**
 * The docs feature's side of the collab core: the hooks that answer who connects (Origin, session
 * cookie), who may open and edit a document (membership and the policy table), whether a document
 * exists, and what follows a store (its updatedAt, then whatever the feature adds: automatic versions).
 * Also the message-rate limiter of the document socket, and the bus events that reach open connections
 * (logout, removal, role change).
 */
import { limiterFactory, type LimiterFactory } from '../limits';
import { CLOSE_AUTH_REQUIRED, CLOSE_FORBIDDEN } from '../../shared/collab';
import { createCollab, UpgradeRefusal, type Collab, type CollabHooks, type CollabLimiter, type CollabOptions } from '../collab';
import type { Ctx } from '../context';
import { originAllowed } from '../http/origin';
import { can, type Actor } from '../policies';
import type { DocsRepo } from './records';
import { validateBudgetUpdate } from './budget-rules';
import { templateById } from '../../shared/templates';

/** Messages per connection on the document socket. */
export interface CollabRateLimit {
  /** Sustained messages per second. */
  perSecond: number;
  /** Messages allowed in a burst above the sustained rate (spread over burst / perSecond seconds). */
  burst: number;
}

export const DEFAULT_COLLAB_RATE: CollabRateLimit = { perSecond: 100, burst: 500 };

export interface DocsCollabOptions extends CollabOptions {
  rateLimit?: CollabRateLimit;
  /** Runs (not awaited) after a document's edits were stored and its updatedAt moved. */
  afterStored?(docId: string): void;
}

/**
 * The document socket's limiter, made by the app's one limiter factory (server/limits.ts, its store chosen
 * at boot): the sustained rate, with a burst allowance on top.
 */
export function collabLimiter(make: LimiterFactory, rate: CollabRateLimit = DEFAULT_COLLAB_RATE): CollabLimiter {
  const burstSeconds = Math.max(1, Math.ceil(rate.burst / rate.perSecond));
  const limiter = make({ name: 'collab-messages', points: rate.perSecond, duration: 1, burst: { points: rate.burst, duration: burstSeconds } });
  return { consume: (key, points = 1) => limiter.consume(key, points) };
}

/** The hooks the collab core asks (see server/collab/types.ts). */
export function docsCollabHooks(ctx: Ctx, docs: DocsRepo, afterStored?: (docId: string) => void): CollabHooks {
  return {
    async onAuthenticate(req) {
      if (!originAllowed(req, ctx.config.allowedOrigins)) {
        throw new UpgradeRefusal('forbidden', 'This connection came from a site that is not allowed to open documents.');
      }
      const session = await ctx.logins.fromCookieHeader(req.headers.cookie);
      if (!session) throw new UpgradeRefusal('authentication_required', 'Please log in first.');
      ctx.logins.watch(session);
      return { userId: session.user._id, loginId: session.id };
    },
    async onAccess(user, docId) {
      const notFound = new UpgradeRefusal('not_found', 'That document was not found, or you do not have access to it.');
      const doc = await docs.byId(docId);
      if (!doc) throw notFound;
      const space = await ctx.repos.spaces.byId(doc.spaceId);
      if (!space) throw notFound;
      const membership = await ctx.repos.memberships.get(space._id, user.userId);
      const actor: Actor = { userId: user.userId, role: membership?.role ?? null };
      // CONTRACT: a non-member gets 403 at the Yjs endpoint (even for a private space).
      if (!can(actor, 'docs.read', space)) throw new UpgradeRefusal('forbidden', 'You are not a member of this space.');
      // Role only; an archived document is read-only for everyone at the room level.
      const budget = templateById(doc.template)?.kind === 'budget';
      return { spaceId: space._id, canEdit: can(actor, 'docs.edit', space), archived: doc.archived, ...(budget ? { validate: validateBudgetUpdate } : {}) };
    },
    async onLoadDocument(docId) {
      const doc = await docs.byId(docId);
      return doc ? { archived: doc.archived } : null;
    },
    async onStoreDocument(docId, at) {
      await docs.touch(docId, at);
      afterStored?.(docId);
    },
  };
}

/** Builds the collab core for the docs feature and connects it to the app's bus; close() disconnects both. */
export function createDocsCollab(ctx: Ctx, docs: DocsRepo, options: DocsCollabOptions = {}): Collab {
  const { rateLimit, afterStored, ...collabOptions } = options;
  const collab = createCollab({
    store: ctx.store,
    logger: ctx.logger,
    now: ctx.now,
    hooks: docsCollabHooks(ctx, docs, afterStored),
    // Keyed by connection id, and a connection lives on one process: in memory even in a cluster (counting
    // in Redis would cost a round trip per keystroke and share nothing).
    limiter: collabLimiter(limiterFactory({ now: ctx.now }), rateLimit),
    maxMessageBytes: ctx.config.yjsMaxMessageBytes,
    options: { ...(ctx.collabRelay ? { relay: ctx.collabRelay } : {}), ...collabOptions },
  });
  const { service } = collab;
  const offBus = [
    ctx.bus.on('login:revoked', ({ loginId }) => {
      service.disconnect((c) => c.loginId === loginId, CLOSE_AUTH_REQUIRED, 'authentication_required');
    }),
    ctx.bus.on('membership:removed', ({ spaceId, userId }) => {
      service.disconnectUser(spaceId, userId, CLOSE_FORBIDDEN, 'forbidden');
    }),
    // A role change applies in place: a member made guest stops editing at once (updates dropped from
    // then on) without losing the open view; a guest made member may edit on the same connection.
    // 44xx codes would stop the stock client from reconnecting.
    ctx.bus.on('membership:changed', ({ spaceId, userId, role }) => {
      service.setCanEdit((c) => c.spaceId === spaceId && c.userId === userId, can({ userId, role }, 'docs.edit', { visibility: 'private' }));
    }),
  ];
  return {
    ...collab,
    async close() {
      for (const off of offBus) off();
      await collab.close();
    },
  };
}
