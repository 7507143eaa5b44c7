/** Account routes: signup, login, logout, me (CONTRACT.md "Accounts"), and account settings (docs/API.md). */
import { Router, type Request, type Response } from 'express';
import { changePasswordBody, loginBody, signupBody, updateMeBody } from '../../shared/schemas';
import { changePassword, login, logout, renameUser, signup } from '../commands/accounts';
import type { Ctx } from '../context';
import { AppError, forbidden } from '../errors';
import { presentUser } from '../presenters';
import { parse, requireUser } from './kit';
import type { RateLimits } from './rate-limit';
import { createLoginThrottle, type LoginThrottle } from '../auth/throttle';
import { audit } from '../audit/audit';

/** Sets the session cookie for a freshly created session. */
export function setSession(res: Response, req: Request, ctx: Ctx, token: string) {
  res.setHeader('Set-Cookie', ctx.logins.cookie(token, req.secure));
}

/**
 * Routes under /api for accounts: "/api/auth/signup", "/api/auth/login", "/api/auth/logout", "/api/me",
 * and the account settings "/api/me" (PATCH) and "/api/me/password".
 */
export function authRoutes(ctx: Ctx, limits: RateLimits, throttle: LoginThrottle = createLoginThrottle()): Router {
  const r = Router();

  r.post('/auth/signup', async (req, res) => {
    await limits.signupPerIp.consume(req.ip ?? 'unknown');
    if (ctx.config.oidc?.only) throw forbidden(`Accounts are made by signing in with ${ctx.config.oidc.name}.`);
    const body = parse(signupBody, req.body);
    const { user, session } = await signup(ctx, body);
    // A signup while signed in replaces the old session rather than leaving it alive.
    if (req.login) await ctx.logins.revoke(req.login.id, req.login.user._id);
    await audit(ctx, { action: 'account.created', actor: { id: user._id, name: user.name }, ip: req.ip, target: { type: 'user', id: user._id, label: user.email } });
    setSession(res, req, ctx, session.token);
    res.status(201).json({ user: presentUser(user) });
  });

  r.post('/auth/login', async (req, res) => {
    const address = req.ip ?? 'unknown';
    await limits.loginPerIp.consume(address);
    const body = parse(loginBody, req.body);
    // Throttled per address + account, with a per-account slow-down that a clean address still passes
    // (server/auth/throttle.ts): nobody can lock a teacher out by guessing wrong on purpose.
    const attempt = await throttle.begin(address, body.email.toLowerCase());
    let result;
    try {
      result = await login(ctx, body);
    } catch (err) {
      // Only wrong credentials count; our own failures give the attempt back.
      if (!(err instanceof AppError && err.code === 'authentication_required')) {
        await attempt.cancel();
        throw err;
      }
      await attempt.failed();
      await audit(ctx, { req, action: 'auth.login_failed', actor: null, target: { type: 'email', id: body.email.toLowerCase() } });
      throw err;
    }
    await attempt.succeeded();
    await audit(ctx, { action: 'auth.login', actor: { id: result.user._id, name: result.user.name }, ip: req.ip, details: { method: 'password' } });
    // Session fixation: the pre-login session (if any) dies and a brand-new id is issued.
    if (req.login) await ctx.logins.revoke(req.login.id, req.login.user._id);
    setSession(res, req, ctx, result.session.token);
    res.json({ user: presentUser(result.user) });
  });

  r.post('/auth/logout', async (req, res) => {
    if (req.login) await logout(ctx, req.login.id, req.login.user._id);
    if (req.login) await audit(ctx, { req, action: 'auth.logout' });
    res.setHeader('Set-Cookie', ctx.logins.clearCookie(req.secure));
    res.status(204).end();
  });

  r.get('/me', (req, res) => {
    res.json({ user: presentUser(requireUser(req)) });
  });

  r.patch('/me', async (req, res) => {
    const me = requireUser(req);
    const body = parse(updateMeBody, req.body);
    const user = await renameUser(ctx, me._id, body.name);
    await audit(ctx, { req, action: 'account.renamed', target: { type: 'user', id: me._id, label: user.name }, details: { from: me.name } });
    res.json({ user: presentUser(user) });
  });

  r.post('/me/password', async (req, res) => {
    const me = requireUser(req);
    const body = parse(changePasswordBody, req.body);
    // A wrong current password counts like a failed log-in from this address, so a stolen session cannot
    // guess its way to the password faster than the login form could. Counted before the check, as there.
    const attempt = await throttle.begin(req.ip ?? 'unknown', me.email.toLowerCase());
    let session;
    try {
      session = await changePassword(ctx, me, req.login!.id, body);
    } catch (err) {
      // The body was parsed above, so the only invalid_payload left is the wrong current password.
      if (err instanceof AppError && err.code === 'invalid_payload') await attempt.failed();
      else await attempt.cancel();
      throw err;
    }
    await attempt.succeeded();
    await audit(ctx, { req, action: 'account.password_changed', target: { type: 'user', id: me._id } });
    setSession(res, req, ctx, session.token);
    res.status(204).end();
  });

  return r;
}
