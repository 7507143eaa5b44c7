/** Export job records: one per export of a space, with its progress, and where its ZIP is once done. */
import { EXPORT_KEEP_HOURS, type ExportStatus, type SpaceExport } from '../../shared/space-data';
import type { IndexSpec, Store } from '../store/port';

export interface ExportRecord {
  _id: string;
  spaceId: string;
  requestedBy: string;
  status: ExportStatus;
  percent: number;
  files: number;
  totalFiles: number;
  size: number | null;
  /** Chunk records of the ZIP (zip-store.ts) once done. */
  chunks: number;
  fileName: string;
  createdAt: Date;
  /** Moves with every progress write and heartbeat: a running job whose updatedAt is old was orphaned. */
  updatedAt: Date;
  finishedAt: Date | null;
  expiresAt: Date;
  error: string | null;
}

export const EXPORTS = 'spaceExports';

export const EXPORT_INDEXES: IndexSpec[] = [
  { collection: EXPORTS, fields: { spaceId: 1, createdAt: -1 } },
  { collection: EXPORTS, fields: { expiresAt: 1 } },
];

export const EXPORT_KEEP_MS = EXPORT_KEEP_HOURS * 3600_000;

/** The export jobs repository. */
export function createExportJobs(store: Store) {
  const jobs = store.collection<ExportRecord>(EXPORTS);
  return {
    insert: (j: ExportRecord) => jobs.insertOne(j),
    byId: (spaceId: string, id: string) => jobs.findOne({ _id: id, spaceId }),
    /** The space's export still queued or running, if any (one at a time per space). */
    active: (spaceId: string) => jobs.findOne({ spaceId, status: { $in: ['queued', 'running'] } }),
    /** The space's recent exports, newest first, that have not expired. */
    recent: (spaceId: string, now: Date, limit = 10) => jobs.find({ spaceId, expiresAt: { $gt: now } }, { sort: { createdAt: -1 }, limit }),
    start: (id: string, at: Date) => jobs.findOneAndUpdate({ _id: id, status: 'queued' }, { $set: { status: 'running', updatedAt: at } }),
    update: (id: string, set: Partial<ExportRecord>) => jobs.findOneAndUpdate({ _id: id }, { $set: set }),
    /** Progress of a job that is still running (a job failed meanwhile is left as it is). */
    progress: (id: string, set: Partial<ExportRecord>) => jobs.updateOne({ _id: id, status: 'running' }, { $set: set }),
    expired: (now: Date, limit = 100) => jobs.find({ expiresAt: { $lte: now } }, { limit }),
    /** Queued or running jobs nobody has touched since `before` (their process died). */
    orphaned: (before: Date) => jobs.find({ status: { $in: ['queued', 'running'] }, updatedAt: { $lt: before } }),
    ofSpace: (spaceId: string) => jobs.find({ spaceId }),
    remove: (id: string) => jobs.deleteOne({ _id: id }),
  };
}

export type ExportJobs = ReturnType<typeof createExportJobs>;

/** The API shape of a job. */
export function presentExport(j: ExportRecord): SpaceExport {
  return {
    id: j._id,
    spaceId: j.spaceId,
    status: j.status,
    percent: j.percent,
    files: j.files,
    totalFiles: j.totalFiles,
    size: j.size,
    fileName: j.fileName,
    createdAt: j.createdAt.toISOString(),
    finishedAt: j.finishedAt?.toISOString() ?? null,
    expiresAt: j.expiresAt.toISOString(),
    downloadUrl: j.status === 'done' ? `/api/spaces/${encodeURIComponent(j.spaceId)}/exports/${encodeURIComponent(j._id)}/download` : null,
    error: j.error,
  };
}
