/**
 * The daily digest: once a day (the first tick after DIGEST_HOUR_UTC), one mail per person with the
 * notifications that waited for it and are still unread. Once per cluster: the tick runs where the
 * job's lease is held (ctx.jobs), and the day itself is claimed in the store, so even two processes
 * that both believed they held the lease could not send it twice. Every waiting record is marked done
 * before its mail is queued: a notification is never mailed twice.
 */
import type { OutboxRecord } from './records';
import { digestMail } from './mails';
import { linksFor, type EmailDeps } from './deliver';

/** The hour (UTC) after which the day's digest goes out: 13:00 UTC is early morning across the Americas. */
export const DIGEST_HOUR_UTC = 13;
/** How often a process checks whether the digest is due. */
export const DIGEST_TICK_MS = 10 * 60 * 1000;
/** Handled outbox records are kept this long (what was mailed), then removed. */
const KEEP_DONE_MS = 30 * 24 * 3600 * 1000;
/** Waiting records handled per batch (a large instance is worked through in several reads). */
const BATCH = 2000;

/** Runs the digest if it is due and not yet sent today; returns how many mails were queued. */
export async function runDigest(d: EmailDeps): Promise<number> {
  const now = new Date(d.ctx.now());
  if (now.getUTCHours() < DIGEST_HOUR_UTC) return 0;
  if (!(await d.repo.claimDay('digest', now.toISOString().slice(0, 10)))) return 0;
  let sent = 0;
  for (let batch = await d.repo.outbox.pending(BATCH); batch.length > 0; batch = await d.repo.outbox.pending(BATCH)) {
    const byUser = new Map<string, OutboxRecord[]>();
    for (const r of batch) byUser.set(r.userId, [...(byUser.get(r.userId) ?? []), r]);
    for (const [userId, records] of byUser) if (await digestFor(d, userId, records, now)) sent++;
  }
  await d.repo.outbox.purgeBefore(new Date(now.getTime() - KEEP_DONE_MS));
  return sent;
}

async function digestFor(d: EmailDeps, userId: string, records: OutboxRecord[], now: Date): Promise<boolean> {
  const ids = records.map((r) => r._id);
  const [choice, user] = await Promise.all([d.repo.prefs.get(userId), d.ctx.repos.users.byId(userId)]);
  const unread = new Set(choice === 'never' || !user || user.disabledAt ? [] : await d.unreadAmong(userId, ids));
  const mail = records.filter((r) => unread.has(r._id));
  await d.repo.outbox.finish(ids.filter((id) => !unread.has(id)), now, false);
  if (mail.length === 0) return false;
  // Taken before the mail is queued: a crash now loses one digest rather than sending it twice; fewer
  // taken than asked means another run got there first (it mails them).
  if ((await d.repo.outbox.finish(mail.map((r) => r._id), now, true)) !== mail.length) return false;
  d.ctx.mailer.send(digestMail(user!.email, user!.name, mail.map((r) => r.notification), linksFor(d.ctx, userId)));
  return true;
}

/** Starts the digest ticks; returns the stop function. The timer never keeps the process alive. */
export function startDigest(d: EmailDeps, everyMs = DIGEST_TICK_MS): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    d.ctx.jobs
      .mine('email-digest', everyMs)
      .then((mine) => (mine ? runDigest(d) : 0))
      .catch((err) => d.ctx.logger.error({ err }, 'email digest failed'))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
