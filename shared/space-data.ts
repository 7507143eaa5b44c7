/**
 * A space's data in its owners' hands (issue 16): the export job and the deleted-space shapes both ends
 * read, the request bodies the server validates, and the time limits users are told about.
 */
import { z } from 'zod';
import { LIMITS } from './schemas';

/** Days a deleted space can still be restored; after them it is erased from the store. */
export const DELETED_SPACE_GRACE_DAYS = 30;
/** Hours an export's ZIP stays downloadable. */
export const EXPORT_KEEP_HOURS = 24;

export const EXPORT_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/** One export of a space, as the API answers it. */
export interface SpaceExport {
  id: string;
  spaceId: string;
  status: ExportStatus;
  /** 0..100 while it runs; 100 when done. */
  percent: number;
  /** Files written into the ZIP so far, of `totalFiles` known so far. */
  files: number;
  totalFiles: number;
  /** Size of the ZIP in bytes once done. */
  size: number | null;
  fileName: string;
  createdAt: string;
  finishedAt: string | null;
  /** After this the ZIP is gone (done) or the record forgotten. */
  expiresAt: string;
  /** GET it to download (only once done). */
  downloadUrl: string | null;
  error: string | null;
}

/** A deleted space that can still be restored. */
export interface DeletedSpace {
  id: string;
  name: string;
  kind: string;
  deletedAt: string;
  deletedBy: { id: string; name: string } | null;
  /** When it will be erased for good. */
  eraseAt: string;
}

/** `POST /api/spaces/:spaceId/delete`: the space's name typed again, to confirm. */
export const deleteSpaceBody = z.strictObject({
  confirmName: z.string().max(LIMITS.spaceNameMax + 20),
});
export type DeleteSpaceBody = z.infer<typeof deleteSpaceBody>;

/** Whether what the user typed names the space (surrounding spaces and case are forgiven). */
export function confirmsName(typed: string, name: string): boolean {
  return typed.trim().toLowerCase() === name.trim().toLowerCase() && typed.trim() !== '';
}
