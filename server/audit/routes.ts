/**
 * Reading the audit trail (there is no route that writes or edits it):
 *   GET /api/spaces/:spaceId/audit  facilitators of the space (and administrators): that space's entries
 *   GET /api/admin/audit            administrators: everything, optionally one space (`spaceId`)
 * Both take the filters of shared/audit.ts and answer `{ entries }` or, with `format=csv`, a CSV file.
 */
import { Router, type Response } from 'express';
import { auditQuery, type AuditQuery } from '../../shared/audit';
import { isAdmin, requireAdmin } from '../admin/admins';
import { accessSpace } from '../commands/access';
import type { Ctx } from '../context';
import { notFound } from '../errors';
import type { Filter } from '../store/port';
import { idParam, parse, requireUser } from '../http/kit';
import { auditLog } from './audit';
import { auditCsv, presentAudit } from './present';

function filterOf(q: AuditQuery, spaceId: string | undefined): Filter {
  const at: Record<string, Date> = {};
  if (q.from) at.$gte = new Date(q.from);
  if (q.to) at.$lte = new Date(q.to);
  if (q.before) at.$lt = new Date(q.before);
  return {
    ...(spaceId ? { spaceId } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.actor ? { actorId: q.actor } : {}),
    ...(Object.keys(at).length ? { at } : {}),
  };
}

/** Routes for reading the trail. */
export function auditRoutes(ctx: Ctx): Router {
  const r = Router();

  async function answer(res: Response, q: AuditQuery, spaceId: string | undefined, withIp: boolean, filename: string) {
    const records = await auditLog(ctx).find(filterOf(q, spaceId), { sort: { at: -1, _id: -1 }, limit: q.limit });
    const entries = records.map((e) => presentAudit(e, withIp));
    if (q.format === 'csv') {
      res.set('Content-Type', 'text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="${filename}"`).set('Cache-Control', 'no-store').send(auditCsv(entries));
      return;
    }
    res.set('Cache-Control', 'no-store').json({ entries });
  }

  r.get('/spaces/:spaceId/audit', async (req, res) => {
    const user = requireUser(req);
    const spaceId = idParam(req, 'spaceId', 'That space');
    const q = parse(auditQuery, req.query, 'query');
    const admin = isAdmin(ctx, user);
    // The trail is read by those who run the space: the same right as changing its settings.
    if (!admin) await accessSpace(ctx, spaceId, user._id, 'space.update');
    else if (!(await ctx.repos.spaces.byId(spaceId))) throw notFound('That space');
    await answer(res, q, spaceId, admin, `audit-${spaceId}.csv`);
  });

  r.get('/admin/audit', async (req, res) => {
    requireAdmin(ctx, req);
    const q = parse(auditQuery, req.query, 'query');
    await answer(res, q, q.spaceId, true, 'audit.csv');
  });

  return r;
}
