/** Export use-cases: asking for an export of a space, and finding one the caller may read or download. */
import type { Request } from 'express';
import { audit } from '../audit/audit';
import { accessSpace } from '../commands/access';
import type { Ctx } from '../context';
import { notFound } from '../errors';
import { newSortableId } from '../ids';
import type { Limiter } from '../limits';
import type { UserRecord } from '../repos';
import { EXPORT_KEEP_MS, type ExportJobs, type ExportRecord } from './jobs';
import { exportFileName } from './names';

export interface ExportCommandDeps {
  ctx: Ctx;
  jobs: ExportJobs;
  limit: Limiter;
  enqueue(job: ExportRecord): void;
}

/**
 * Queues an export of the space (facilitators); while one is queued or running, that one is returned
 * instead (`created` false), so a double click never makes two.
 */
export async function requestExport(d: ExportCommandDeps, req: Request, user: UserRecord, spaceId: string): Promise<{ job: ExportRecord; created: boolean }> {
  const { ctx, jobs } = d;
  const { space } = await accessSpace(ctx, spaceId, user._id, 'space.export');
  const running = await jobs.active(space._id);
  if (running) return { job: running, created: false };
  await d.limit.enforce(user._id);
  const now = new Date(ctx.now());
  const job: ExportRecord = {
    _id: newSortableId(now.getTime()),
    spaceId: space._id,
    requestedBy: user._id,
    status: 'queued',
    percent: 0,
    files: 0,
    totalFiles: 0,
    size: null,
    chunks: 0,
    fileName: exportFileName(space.name, now),
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
    expiresAt: new Date(now.getTime() + EXPORT_KEEP_MS),
    error: null,
  };
  await jobs.insert(job);
  await audit(ctx, { req, action: 'space.exported', spaceId: space._id, target: { type: 'space', id: space._id, label: space.name }, details: { exportId: job._id, stage: 'requested' } });
  d.enqueue(job);
  return { job, created: true };
}

/** One export of a space the caller may export, unless it expired (404 then, as for an unknown one). */
export async function findExport(ctx: Ctx, jobs: ExportJobs, user: UserRecord, spaceId: string, exportId: string) {
  const { space } = await accessSpace(ctx, spaceId, user._id, 'space.export');
  const job = await jobs.byId(space._id, exportId);
  if (!job || job.expiresAt.getTime() <= ctx.now()) throw notFound('That export');
  return { job, space };
}
