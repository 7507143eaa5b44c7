/**
 * Notification email as notifications happen: each stored notification (the `notification:created` bus
 * event) is mailed at once, kept for the daily digest, or dropped, by the recipient's choice. The outbox
 * record is written before the mail is queued and its id is the notification's, so a notification is
 * mailed at most once even if the event were heard twice.
 */
import type { ChatNotification } from '../../shared/chat';
import { DEFAULT_NOTIFICATION_EMAIL } from '../../shared/email';
import type { Ctx } from '../context';
import type { Limiter } from '../limits';
import { notificationMail, type MailLinks } from './mails';
import type { EmailRepo } from './records';
import { unsubscribeToken } from './tokens';

export interface EmailDeps {
  ctx: Ctx;
  repo: EmailRepo;
  /** Which of a person's notifications are still unread (the bell's, through the notices port). */
  unreadAmong(userId: string, ids: string[]): Promise<string[]>;
  /** Caps mails sent at once per person; beyond it notifications wait for the digest instead. */
  immediate: Limiter;
}

/** The links a mail to `userId` carries. */
export function linksFor(ctx: Ctx, userId: string): MailLinks {
  const token = unsubscribeToken(ctx.config.sessionSecret, userId);
  return { publicUrl: ctx.config.publicUrl, unsubscribePage: `${ctx.config.publicUrl}/unsubscribe/${token}`, unsubscribePost: `${ctx.config.publicUrl}/api/email/unsubscribe/${token}` };
}

/** Handles one new notification; errors are logged, never thrown (the notification itself is stored). */
export async function onNotification(d: EmailDeps, userId: string, n: ChatNotification): Promise<void> {
  const { ctx } = d;
  // Email off: nothing is recorded, so turning it on later does not mail a backlog.
  if (!ctx.mailer.enabled) return;
  try {
    const choice = (await d.repo.prefs.get(userId)) ?? DEFAULT_NOTIFICATION_EMAIL;
    if (choice === 'never') return;
    const at = new Date(ctx.now());
    const now = choice === 'immediately' && (await d.immediate.consume(userId));
    if (!(await d.repo.outbox.add({ _id: n.id, userId, notification: n, createdAt: at, doneAt: now ? at : null, mailed: now }))) return;
    if (!now) return;
    const user = await ctx.repos.users.byId(userId);
    if (user && !user.disabledAt) ctx.mailer.send(notificationMail(user.email, user.name, n, linksFor(ctx, userId)));
  } catch (err) {
    ctx.logger.error({ err, notificationId: n.id }, 'notification email failed');
  }
}
