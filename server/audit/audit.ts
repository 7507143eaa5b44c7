/**
 * The audit trail: an append-only record of who did what to whom, where and when. `audit(ctx, entry)` is
 * the one call every feature makes (one line at each call site). Nothing in the app updates or deletes an
 * entry except the retention sweep; there is no route that edits one. A failed write is logged loudly but
 * never undoes or fails the action it records (the action already happened).
 */
import type { Request } from 'express';
import type { Ctx } from '../context';
import { newSortableId } from '../ids';
import type { IndexSpec } from '../store/port';

export const AUDIT_ACTIONS = [
  'account.created',
  'account.renamed',
  'account.password_changed',
  'account.password_reset',
  'account.deleted',
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'member.role_changed',
  'member.removed',
  'member.left',
  'invite.created',
  'invite.used',
  'invite.emailed',
  'invite.revoked',
  'join_request.decided',
  'space.exported',
  'space.deleted',
  'space.restored',
  'space.erased',
  'doc.exported',
  'doc.archived',
  'doc.restored',
  'message.moderated',
  'comment.moderated',
  'admin.account_disabled',
  'admin.account_enabled',
  'admin.reset_link',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditDetails = Record<string, string | number | boolean | null>;

/** What a call site says: the action, and either the request (actor and address from it) or both explicitly. */
export interface AuditInput {
  action: AuditAction;
  req?: Request;
  actor?: { id: string; name: string } | null;
  ip?: string | null;
  spaceId?: string | null;
  target?: { type: 'user' | 'space' | 'invite' | 'doc' | 'message' | 'comment' | 'email'; id: string; label?: string };
  details?: AuditDetails;
}

export interface AuditRecord {
  _id: string;
  at: Date;
  action: AuditAction;
  actorId: string | null;
  actorName: string | null;
  ip: string | null;
  spaceId: string | null;
  targetType: string | null;
  targetId: string | null;
  targetLabel: string | null;
  details: AuditDetails;
}

export const AUDIT_INDEXES: IndexSpec[] = [
  { collection: 'audit', fields: { spaceId: 1, at: -1 } },
  { collection: 'audit', fields: { at: 1 } },
];

/** The audit collection of this store. */
export const auditLog = (ctx: Pick<Ctx, 'store'>) => ctx.store.collection<AuditRecord>('audit');

/** Appends one entry to the trail. */
export async function audit(ctx: Ctx, entry: AuditInput): Promise<void> {
  const user = entry.req?.login?.user;
  const actor = entry.actor !== undefined ? entry.actor : user ? { id: user._id, name: user.name } : null;
  const record: AuditRecord = {
    // Time-ordered, so entries written in the same millisecond (or under a faked clock) keep their order.
    _id: newSortableId(),
    at: new Date(ctx.now()),
    action: entry.action,
    actorId: actor?.id ?? null,
    actorName: actor?.name ?? null,
    ip: entry.ip ?? entry.req?.ip ?? null,
    spaceId: entry.spaceId ?? null,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    targetLabel: entry.target?.label ?? null,
    details: entry.details ?? {},
  };
  try {
    await auditLog(ctx).insertOne(record);
  } catch (err) {
    ctx.logger.error({ err, audit: { ...record, at: record.at.toISOString() } }, 'audit entry could not be stored');
  }
}

/** Removes entries older than AUDIT_RETENTION_DAYS; returns how many went. */
export async function sweepAudit(ctx: Ctx): Promise<number> {
  const cutoff = new Date(ctx.now() - ctx.config.auditRetentionDays * 24 * 3600 * 1000);
  return auditLog(ctx).deleteMany({ at: { $lt: cutoff } });
}
