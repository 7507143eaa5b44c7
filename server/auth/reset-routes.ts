/**
 * Password reset over HTTP (CONTRACT.md "Operating a district") and the log-in page's options.
 * The request answer is always 202 `{}` and is sent before the account is even looked up, so neither the
 * body nor the timing says whether an address has an account.
 */
import { Router } from 'express';
import { passwordResetBody, passwordResetRequestBody, resetTokenSchema, type AuthOptions } from '../../shared/account-schemas';
import type { Ctx } from '../context';
import { notFound } from '../errors';
import { setSession } from '../http/auth';
import { param, parse } from '../http/kit';
import { createLimiter } from '../http/rate-limit';
import { resetPasswordMail } from '../mail/kinds';
import { presentUser } from '../presenters';
import { completeReset, createResetLink } from './reset-tokens';
import { deleteAccount, deleteAccountBody } from './delete-account';
import { requireUser } from '../http/kit';
import { audit } from '../audit/audit';

/** Routes "/api/auth/options", "/api/auth/password-reset", "/api/auth/password-reset/:token" and DELETE "/api/me". */
export function passwordResetRoutes(ctx: Ctx): Router {
  const r = Router();
  // Per requester: a flood of requests from one address is refused. Per account: at most three mails an
  // hour, silently (a 429 there would tell a stranger the address has an account, and would let them
  // stop the owner from getting a link).
  const requestsPerIp = createLimiter(10, 60 * 60, 'Too many password-reset requests from your network. Please wait an hour and try again.');
  const mailsPerAccount = createLimiter(3, 60 * 60);
  const usesPerIp = createLimiter(30, 60 * 60);

  r.get('/auth/options', (_req, res) => {
    const options: AuthOptions = {
      email: ctx.mailer.enabled,
      oidc: ctx.config.oidc ? { name: ctx.config.oidc.name } : null,
      passwordSignup: !ctx.config.oidc?.only,
    };
    res.json(options);
  });

  r.post('/auth/password-reset', async (req, res) => {
    await requestsPerIp.consume(req.ip ?? 'unknown');
    const { email } = parse(passwordResetRequestBody, req.body);
    res.status(202).json({});
    try {
      const user = await ctx.repos.users.byEmail(email);
      if (!user || user.disabledAt || !ctx.mailer.enabled || !(await mailsPerAccount.tryConsume(user._id))) return;
      ctx.mailer.send(resetPasswordMail(user.email, user.name, await createResetLink(ctx, user._id)));
    } catch (err) {
      ctx.logger.error({ err }, 'password reset request failed');
    }
  });

  r.post('/auth/password-reset/:token', async (req, res) => {
    await usesPerIp.consume(req.ip ?? 'unknown');
    const token = resetTokenSchema.safeParse(param(req, 'token'));
    if (!token.success) throw notFound('That reset link');
    const { password } = parse(passwordResetBody, req.body);
    const { user, session } = await completeReset(ctx, token.data, password);
    await audit(ctx, { action: 'account.password_reset', actor: { id: user._id, name: user.name }, ip: req.ip, target: { type: 'user', id: user._id } });
    setSession(res, req, ctx, session.token);
    res.json({ user: presentUser(user) });
  });

  r.delete('/me', async (req, res) => {
    const me = requireUser(req);
    await deleteAccount(ctx, req, me, parse(deleteAccountBody, req.body));
    res.setHeader('Set-Cookie', ctx.logins.clearCookie(req.secure));
    res.status(204).end();
  });

  return r;
}
