/**
 * Administration (ADMIN_EMAILS only):
 *   GET  /api/admin/status                   -> { admin }  (any signed-in user: should the page be offered?)
 *   GET  /api/admin/overview                 -> { spaces, accounts }
 *   POST /api/admin/users/:userId/disable    -> { account }  its logins end at once
 *   POST /api/admin/users/:userId/enable     -> { account }
 *   POST /api/admin/users/:userId/reset-link -> 201 { link }
 */
import { Router } from 'express';
import { emptyBody } from '../../shared/schemas';
import type { Ctx } from '../context';
import { idParam, parse, requireUser } from '../http/kit';
import { isAdmin, requireAdmin } from './admins';
import { issueResetLink, overview, setDisabled } from './commands';

/** Routes under /api/admin. */
export function adminRoutes(ctx: Ctx): Router {
  const r = Router();
  const userId = (req: Parameters<typeof idParam>[0]) => idParam(req, 'userId', 'That account');
  const account = (u: { _id: string; email: string; name: string; disabledAt?: Date | null }) => ({ id: u._id, email: u.email, name: u.name, disabled: Boolean(u.disabledAt) });

  r.get('/admin/status', (req, res) => {
    res.json({ admin: isAdmin(ctx, requireUser(req)) });
  });

  r.get('/admin/overview', async (req, res) => {
    requireAdmin(ctx, req);
    res.set('Cache-Control', 'no-store').json(await overview(ctx));
  });

  for (const [verb, disabled] of [['disable', true], ['enable', false]] as const) {
    r.post(`/admin/users/:userId/${verb}`, async (req, res) => {
      const admin = requireAdmin(ctx, req);
      parse(emptyBody, req.body);
      res.json({ account: account(await setDisabled(ctx, req, admin, userId(req), disabled)) });
    });
  }

  r.post('/admin/users/:userId/reset-link', async (req, res) => {
    requireAdmin(ctx, req);
    parse(emptyBody, req.body);
    res.status(201).set('Cache-Control', 'no-store').json({ link: await issueResetLink(ctx, req, userId(req)) });
  });

  return r;
}
