/**
 * Email routes: the signed-in person's notification-email choice, and the unsubscribe link that needs no
 * login (its token is signed). The unsubscribe POST is a form route: mail programs send RFC 8058's
 * `List-Unsubscribe=One-Click` as a form, and our own page sends `{}`; anything else is refused.
 */
import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { DEFAULT_NOTIFICATION_EMAIL, emailPreferencesBody, type EmailPreferences } from '../../shared/email';
import type { Ctx } from '../context';
import { invalidPayload, notFound } from '../errors';
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

// RFC 8058 section 3.1: the one-click POST carries exactly this form field.
const oneClickForm = z.strictObject({ 'List-Unsubscribe': z.literal('One-Click') });

/** The two bodies the unsubscribe POST takes: RFC 8058's form, or JSON `{}` (or nothing) from our page. */
function checkUnsubscribeBody(req: Request): void {
  if (req.is('application/x-www-form-urlencoded')) {
    if (!oneClickForm.safeParse(req.body).success) throw invalidPayload('Send List-Unsubscribe=One-Click.', { fields: [{ field: 'body', message: 'must be List-Unsubscribe=One-Click' }] });
    return;
  }
  if (req.headers['content-length'] === '0' && req.headers['transfer-encoding'] === undefined) return;
  if (req.is('application/json') === false) throw invalidPayload('Send the request body as a form or as JSON.', { fields: [{ field: 'body', message: 'must be a form or JSON' }] });
  if (!z.strictObject({}).safeParse(req.body ?? {}).success) throw invalidPayload('The body must be {}.', { fields: [{ field: 'body', message: 'must be {}' }] });
}

/** POST /api/email/unsubscribe/:token: sets the choice to "never" (one click, no login). */
export function unsubscribeRoutes(ctx: Ctx, repo: EmailRepo): Router {
  const r = Router();
  const posts = ctx.limiter({ name: 'unsubscribe-post', points: 30, duration: 60, message: 'Too many requests from your network' });
  const bodies = [express.urlencoded({ extended: false, limit: '1kb', parameterLimit: 5 }), express.json({ limit: '1kb', strict: true })];
  r.post('/email/unsubscribe/:token', ...bodies, async (req, res) => {
    checkUnsubscribeBody(req);
    await posts.enforce(req.ip ?? 'unknown');
    const userId = await tokenUser(ctx, req);
    await repo.prefs.set(userId, 'never', new Date(ctx.now()));
    res.json({ notifications: 'never' });
  });
  return r;
}
