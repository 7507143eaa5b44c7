/**
 * Notification email as a feature: hears every new notification (`notification:created`), mails it or
 * keeps it for the daily digest by the person's choice, runs the digest, serves the choice and the
 * unsubscribe link, and forgets a deleted account. It asks the bell which notifications are still
 * unread through the notices port; it never reads the discussion's collections.
 */
import type { Feature } from '../feature';
import { DIGEST_TICK_MS, startDigest } from './digest';
import { onNotification, type EmailDeps } from './deliver';
import { createEmailRepo, EMAIL_INDEXES } from './records';
import { emailRoutes, unsubscribeRoutes } from './routes';

export interface EmailOptions {
  /** How often the digest checks whether it is due (tests shorten it; the clock is faked through `now`). */
  digestTickMs?: number;
}

/** Builds the feature. */
export function createEmailFeature(options: EmailOptions = {}): Feature {
  return {
    name: 'email',
    indexes: EMAIL_INDEXES,
    create(ctx, ports) {
      const notices = ports.notices;
      const repo = createEmailRepo(ctx.store);
      const d: EmailDeps = {
        ctx,
        repo,
        unreadAmong: (userId, ids) => (notices ? notices.unreadAmong(userId, ids) : Promise.resolve(ids)),
        // A busy day of mentions becomes at most 20 mails an hour; the rest wait for the digest.
        immediate: ctx.limiter({ name: 'email-immediate', points: 20, duration: 3600 }),
      };
      const offNotice = ctx.bus.on('notification:created', ({ userId, notification }) => onNotification(d, userId, notification));
      const offDeleted = ctx.bus.on('user:deleted', async ({ userId }) => {
        await repo.prefs.remove(userId);
        await repo.outbox.removeOf(userId);
      });
      const stopDigest = ctx.mailer.enabled ? startDigest(d, options.digestTickMs ?? DIGEST_TICK_MS) : () => {};
      return {
        routes: () => emailRoutes(ctx, repo),
        formRoutes: () => unsubscribeRoutes(ctx, repo),
        async close() {
          stopDigest();
          offNotice();
          offDeleted();
        },
      };
    },
  };
}

export const emailFeature = createEmailFeature();
