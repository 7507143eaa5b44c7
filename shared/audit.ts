/** The audit trail's public shapes and query, shared by server and client. */
import { z } from 'zod';

/** One entry as the API presents it (`ip` only for administrators). */
export interface AuditEntry {
  id: string;
  at: string;
  action: string;
  actor: { id: string; name: string } | null;
  ip?: string | null;
  spaceId: string | null;
  target: { type: string; id: string; label: string | null } | null;
  details: Record<string, string | number | boolean | null>;
}

const isoDate = z.iso.datetime({ offset: true, error: 'must be a date and time like 2026-01-31T00:00:00Z' });

/** GET .../audit query: filters, a page (`before` = the last entry's `at`), and the format. */
export const auditQuery = z.strictObject({
  action: z.string().regex(/^[a-z_.]{1,40}$/).optional(),
  actor: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  before: isoDate.optional(),
  spaceId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  format: z.enum(['json', 'csv']).default('json'),
});
export type AuditQuery = z.infer<typeof auditQuery>;
