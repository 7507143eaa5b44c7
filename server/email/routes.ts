/**
 * Email routes: the signed-in person's notification-email choice, and the unsubscribe link that needs no
 * login (its token is signed). The unsubscribe POST is a form route: mail programs send RFC 8058's
 * `List-Unsubscribe=One-Click` as a form, and our own page sends an empty POST; neither body is read.
 */
import { Router, type Request } from 'express';
import { DEFAULT_NOTIFICATION_EMAIL, emailPreferencesBody, type EmailPreferences } from '../../shared/email';
import type { Ctx } from '../context';
import { notFound } from '../errors';
import { param, parse, requireUser } from '../http/kit';
import type { EmailRepo } from './records';
import { verifyUnsubscribeToken } from './tokens';

/** The user behind an unsubscribe link, or not_found (tampered, or the account is gone). */
async function tokenUser(ctx: Ctx, req: Request): Promise<string> {
  const userId = verifyUnsubscribeToken(ctx.config.sessionSecret, param(req, 'token'));
  if (!userId || !(await ctx.repos.users.byId(userId))) throw notFound('That unsubscribe link');
  return userId;
}

/** GET/PUT /api/me/email-preferences and GET /api/email/unsubscribe/:token. */
export function emailRoutes(ctx: Ctx, repo: EmailRepo): Router {
  const r = Router();
  const prefsOf = async (userId: string): Promise<EmailPreferences> => ({
    notifications: (await repo.prefs.get(userId)) ?? DEFAULT_NOTIFICATION_EMAIL,
    email: ctx.mailer.enabled,
  });
  const checks = ctx.limiter({ name: 'unsubscribe-check', points: 60, duration: 60, message: 'Too many requests from your network' });

  r.get('/me/email-preferences', async (req, res) => {
    res.json(await prefsOf(requireUser(req)._id));
  });

  r.put('/me/email-preferences', async (req, res) => {
    const user = requireUser(req);
    const { notifications } = parse(emailPreferencesBody, req.body);
    await repo.prefs.set(user._id, notifications, new Date(ctx.now()));
    res.json(await prefsOf(user._id));
  });

  // The confirm page asks first, so a tampered link says so before anyone clicks.
  r.get('/email/unsubscribe/:token', async (req, res) => {
    await checks.enforce(req.ip ?? 'unknown');
    res.json({ notifications: (await repo.prefs.get(await tokenUser(ctx, req))) ?? DEFAULT_NOTIFICATION_EMAIL });
  });

  return r;
}

/** POST /api/email/unsubscribe/:token: sets the choice to "never" (one click, no login). */
export function unsubscribeRoutes(ctx: Ctx, repo: EmailRepo): Router {
  const r = Router();
  const posts = ctx.limiter({ name: 'unsubscribe-post', points: 30, duration: 60, message: 'Too many requests from your network' });
  r.post('/email/unsubscribe/:token', async (req, res) => {
    await posts.enforce(req.ip ?? 'unknown');
    const userId = await tokenUser(ctx, req);
    await repo.prefs.set(userId, 'never', new Date(ctx.now()));
    res.json({ notifications: 'never' });
  });
  return r;
}
