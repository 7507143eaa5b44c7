/** Account routes: signup, login, logout, me (CONTRACT.md "Accounts"). */
import { Router, type Request, type Response } from 'express';
import { loginBody, signupBody } from '../../shared/schemas';
import { login, logout, signup } from '../commands/accounts';
import type { Ctx } from '../context';
import { AppError } from '../errors';
import { presentUser } from '../presenters';
import { parse, requireUser } from './kit';
import type { RateLimits } from './rate-limit';

function setSession(res: Response, req: Request, ctx: Ctx, token: string) {
  res.setHeader('Set-Cookie', ctx.sessions.cookie(token, req.secure));
}

/** Routes under /api for accounts. */
export function authRoutes(ctx: Ctx, limits: RateLimits): Router {
  const r = Router();

  r.post('/auth/signup', async (req, res) => {
    await limits.signupPerIp.consume(req.ip ?? 'unknown');
    const body = parse(signupBody, req.body);
    const { user, session } = await signup(ctx, body);
    // A signup while signed in replaces the old session rather than leaving it alive.
    if (req.session) await ctx.sessions.revoke(req.session.id, req.session.user._id);
    setSession(res, req, ctx, session.token);
    res.status(201).json({ user: presentUser(user) });
  });

  r.post('/auth/login', async (req, res) => {
    await limits.loginPerIp.consume(req.ip ?? 'unknown');
    const body = parse(loginBody, req.body);
    const accountKey = body.email.toLowerCase();
    // Refuse before checking the password: once an account has used its failures, even a correct
    // guess is not tried (and not revealed) until the window passes.
    await limits.loginFailuresPerAccount.check(accountKey);
    let result;
    try {
      result = await login(ctx, body);
    } catch (err) {
      if (err instanceof AppError && err.code === 'authentication_required') await limits.loginFailuresPerAccount.tryConsume(accountKey);
      throw err;
    }
    await limits.loginFailuresPerAccount.reset(accountKey);
    // Session fixation: the pre-login session (if any) dies and a brand-new id is issued.
    if (req.session) await ctx.sessions.revoke(req.session.id, req.session.user._id);
    setSession(res, req, ctx, result.session.token);
    res.json({ user: presentUser(result.user) });
  });

  r.post('/auth/logout', async (req, res) => {
    if (req.session) await logout(ctx, req.session.id, req.session.user._id);
    res.setHeader('Set-Cookie', ctx.sessions.clearCookie(req.secure));
    res.status(204).end();
  });

  r.get('/me', (req, res) => {
    res.json({ user: presentUser(requireUser(req)) });
  });

  return r;
}
