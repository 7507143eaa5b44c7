/**
 * A space's data in its owners' hands (docs/API.md "Space export and deletion"):
 *   POST /api/spaces/:spaceId/exports                       -> 202 { export } (200 with the running one)
 *   GET  /api/spaces/:spaceId/exports                       -> { exports }  recent, not expired
 *   GET  /api/spaces/:spaceId/exports/:exportId             -> { export }   progress
 *   GET  /api/spaces/:spaceId/exports/:exportId/download    -> the ZIP, streamed
 *   POST /api/spaces/:spaceId/delete  { confirmName }       -> { deleted }
 *   POST /api/spaces/:spaceId/restore                       -> { space, role }
 *   GET  /api/deleted-spaces                                -> { spaces }   mine (as facilitator)
 *   GET  /api/admin/deleted-spaces                          -> { spaces }   administrators
 */
import { Router } from 'express';
import { emptyBody } from '../../shared/schemas';
import { deleteSpaceBody } from '../../shared/space-data';
import { requireAdmin } from '../admin/admins';
import { audit } from '../audit/audit';
import { accessSpace } from '../commands/access';
import type { Ctx } from '../context';
import { notFound } from '../errors';
import { idParam, parse, requireUser } from '../http/kit';
import { presentSpace } from '../presenters';
import { findExport, requestExport } from './commands';
import { presentExport, type ExportJobs, type ExportRecord } from './jobs';
import { allDeletedSpaces, deleteSpace, myDeletedSpaces, presentDeleted, restoreSpace } from './lifecycle';
import type { ZipStore } from './zip-store';

export interface SpaceDataRouteDeps {
  ctx: Ctx;
  jobs: ExportJobs;
  zips: ZipStore;
  enqueue(job: ExportRecord): void;
}

/** Routes of the spacedata feature. */
export function spaceDataRoutes(d: SpaceDataRouteDeps): Router {
  const { ctx, jobs } = d;
  const r = Router();
  // An export reads the whole space: a few an hour per person is plenty.
  const exportLimit = ctx.limiter({ name: 'space-exports', points: 10, duration: 3600, message: 'You have asked for many exports this hour. Please wait and try again.' });
  const spaceId = (req: Parameters<typeof idParam>[0]) => idParam(req, 'spaceId', 'That space');

  r.post('/spaces/:spaceId/exports', async (req, res) => {
    const user = requireUser(req);
    parse(emptyBody, req.body);
    const { job, created } = await requestExport({ ...d, limit: exportLimit }, req, user, spaceId(req));
    res.status(created ? 202 : 200).json({ export: presentExport(job) });
  });

  r.get('/spaces/:spaceId/exports', async (req, res) => {
    const { space } = await accessSpace(ctx, spaceId(req), requireUser(req)._id, 'space.export');
    const list = await jobs.recent(space._id, new Date(ctx.now()));
    res.set('Cache-Control', 'no-store').json({ exports: list.map(presentExport) });
  });

  const exportOf = (req: Parameters<typeof idParam>[0]) => findExport(ctx, jobs, requireUser(req), spaceId(req), idParam(req, 'exportId', 'That export'));

  r.get('/spaces/:spaceId/exports/:exportId', async (req, res) => {
    const { job } = await exportOf(req);
    res.set('Cache-Control', 'no-store').json({ export: presentExport(job) });
  });

  r.get('/spaces/:spaceId/exports/:exportId/download', async (req, res) => {
    const { job, space } = await exportOf(req);
    if (job.status !== 'done' || job.size === null) throw notFound('That export');
    await audit(ctx, { req, action: 'space.exported', spaceId: space._id, target: { type: 'space', id: space._id, label: space.name }, details: { exportId: job._id, stage: 'downloaded', size: job.size } });
    res.set({
      'Content-Type': 'application/zip',
      'Content-Length': String(job.size),
      'Content-Disposition': `attachment; filename="${job.fileName}"`,
      'Cache-Control': 'no-store',
    });
    const body = d.zips.reader(job._id, job.chunks);
    // Headers are sent: a failure now can only cut the download short (the client sees a broken file).
    body.on('error', (err) => {
      ctx.logger.error({ err, exportId: job._id }, 'export download failed');
      res.destroy(err);
    });
    body.pipe(res);
  });

  r.post('/spaces/:spaceId/delete', async (req, res) => {
    const user = requireUser(req);
    const body = parse(deleteSpaceBody, req.body);
    const deleted = await deleteSpace(ctx, req, user, spaceId(req), body.confirmName);
    res.json({ deleted: (await presentDeleted(ctx, [deleted]))[0] });
  });

  r.post('/spaces/:spaceId/restore', async (req, res) => {
    const user = requireUser(req);
    parse(emptyBody, req.body);
    const space = await restoreSpace(ctx, req, user, spaceId(req));
    const membership = await ctx.repos.memberships.get(space._id, user._id);
    res.json({ space: presentSpace(space, await ctx.repos.memberships.count(space._id)), role: membership?.role ?? null });
  });

  r.get('/deleted-spaces', async (req, res) => {
    const user = requireUser(req);
    res.set('Cache-Control', 'no-store').json({ spaces: await presentDeleted(ctx, await myDeletedSpaces(ctx, user)) });
  });

  r.get('/admin/deleted-spaces', async (req, res) => {
    requireAdmin(ctx, req);
    res.set('Cache-Control', 'no-store').json({ spaces: await presentDeleted(ctx, await allDeletedSpaces(ctx)) });
  });

  return r;
}
