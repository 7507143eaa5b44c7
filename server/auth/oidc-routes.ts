/**
 * "/api/auth/oidc/start" and "/api/auth/oidc/callback": the browser is sent to the district's provider and
 * comes back signed in, with the same session rules as a password log-in (a brand-new session id, the
 * pre-login session revoked). Failures go back to the log-in page with a reason it can explain.
 */
import { Router, type Request, type Response } from 'express';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import type { Ctx } from '../context';
import { notFound } from '../errors';
import { setSession } from '../http/auth';
import { createLimiter } from '../http/rate-limit';
import { accountForProfile } from './oidc-accounts';
import { audit } from '../audit/audit';
import { createOidcClient, OIDC_COOKIE, OidcError } from './oidc';

const COOKIE_PATH = '/api/auth/oidc';
const CALLBACK = '/api/auth/oidc/callback';

/** A same-site path to return to after signing in; anything else goes home. */
const safeNext = (raw: unknown) => (typeof raw === 'string' && raw.startsWith('/') && !raw.startsWith('//') && !raw.startsWith('/\\') && raw.length <= 2000 ? raw : '/');

/** Routes for OpenID Connect sign-in; with no provider configured both answer 404. */
export function oidcRoutes(ctx: Ctx): Router {
  const r = Router();
  if (!ctx.config.oidc) return r;
  const client = createOidcClient(ctx);
  const startsPerIp = createLimiter(60, 15 * 60, 'Too many sign-in attempts from your network. Please wait a few minutes and try again.');
  // The provider sends the browser back to the address registered with it: PUBLIC_URL when set.
  const base = (req: Request) => (ctx.config.publicUrlSet ? ctx.config.publicUrl : `${req.protocol}://${req.get('host')}`);
  const pendingCookie = (req: Request, value: string, maxAge: number) =>
    serializeCookie(OIDC_COOKIE, value, { httpOnly: true, sameSite: 'lax', path: COOKIE_PATH, secure: req.secure, maxAge });
  const backToLogin = (res: Response, reason: string) => res.redirect(303, `/login?error=oidc&reason=${encodeURIComponent(reason)}`);

  r.get('/auth/oidc/start', async (req, res) => {
    await startsPerIp.consume(req.ip ?? 'unknown');
    try {
      const { url, cookie } = await client.start(base(req) + CALLBACK, safeNext(req.query.next));
      res.setHeader('Set-Cookie', pendingCookie(req, cookie, 600));
      res.redirect(303, url);
    } catch (err) {
      if (!(err instanceof OidcError)) throw err;
      backToLogin(res, err.reason);
    }
  });

  r.get('/auth/oidc/callback', async (req, res) => {
    const cookie = parseCookie(req.headers.cookie ?? '')[OIDC_COOKIE];
    const url = new URL(req.originalUrl, base(req));
    const clear = pendingCookie(req, '', 0);
    try {
      const { profile, next } = await client.finish(cookie, url);
      const { user, created, linked } = await accountForProfile(ctx, profile);
      await audit(ctx, { action: 'auth.login', actor: { id: user._id, name: user.name }, ip: req.ip, details: { method: 'oidc', created, linked } });
      if (req.login) await ctx.logins.revoke(req.login.id, req.login.user._id);
      const session = await ctx.logins.create(user._id);
      setSession(res, req, ctx, session.token);
      res.append('Set-Cookie', clear);
      res.redirect(303, next);
    } catch (err) {
      if (!(err instanceof OidcError)) throw err;
      await audit(ctx, { req, action: 'auth.login_failed', actor: null, details: { method: 'oidc', reason: err.reason } });
      res.setHeader('Set-Cookie', clear);
      backToLogin(res, err.reason);
    }
  });

  r.all('/auth/oidc/{*rest}', () => {
    throw notFound('That sign-in address');
  });
  return r;
}
