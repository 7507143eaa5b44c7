/**
 * Administrator use-cases: the instance overview with activity counts, disabling and enabling an account,
 * and issuing a password-reset link. Activity is counted from the audit trail (the last 30 days), so the
 * overview reads no feature's private collections.
 */
import type { Request } from 'express';
import type { AdminAccount, AdminSpace } from '../../shared/admin';
import { audit, auditLog } from '../audit/audit';
import { createResetLink } from '../auth/reset-tokens';
import type { Ctx } from '../context';
import { conflict, notFound } from '../errors';
import { SPACE_READY, type SpaceRecord, type UserRecord } from '../repos';
import { isAdmin } from './admins';

const ACTIVITY_DAYS = 30;
const LIST_MAX = 500;

/** Spaces and accounts with their member counts and recent activity. */
export async function overview(ctx: Ctx): Promise<{ spaces: AdminSpace[]; accounts: AdminAccount[] }> {
  const since = new Date(ctx.now() - ACTIVITY_DAYS * 24 * 3600 * 1000);
  const log = auditLog(ctx);
  // Deleted spaces are listed apart, with their restore buttons (server/spacedata); spaces being created are not shown yet.
  const spaces = await ctx.store.collection<SpaceRecord>('spaces').find({ ...SPACE_READY, deletedAt: null }, { sort: { nameLower: 1 }, limit: LIST_MAX });
  const users = await ctx.store.collection<UserRecord>('users').find({}, { sort: { email: 1 }, limit: LIST_MAX });
  return {
    spaces: await Promise.all(
      spaces.map(async (s) => ({
        id: s._id,
        name: s.name,
        kind: s.kind,
        visibility: s.visibility,
        createdAt: s.createdAt.toISOString(),
        members: await ctx.repos.memberships.count(s._id),
        activity: await log.count({ spaceId: s._id, at: { $gte: since } }),
      })),
    ),
    accounts: await Promise.all(
      users.map(async (u) => {
        const [lastLogin] = await log.find({ actorId: u._id, action: 'auth.login' }, { sort: { at: -1 }, limit: 1 });
        return {
          id: u._id,
          email: u.email,
          name: u.name,
          createdAt: u.createdAt.toISOString(),
          disabled: Boolean(u.disabledAt),
          admin: isAdmin(ctx, u),
          spaces: (await ctx.repos.memberships.ofUser(u._id)).length,
          lastLoginAt: lastLogin?.at.toISOString() ?? null,
          activity: await log.count({ actorId: u._id, at: { $gte: since } }),
        };
      }),
    ),
  };
}

async function target(ctx: Ctx, userId: string): Promise<UserRecord> {
  const user = await ctx.repos.users.byId(userId);
  if (!user) throw notFound('That account');
  return user;
}

/** Disables (or enables) an account; disabling ends every login of it at once (its sockets close). */
export async function setDisabled(ctx: Ctx, req: Request, admin: UserRecord, userId: string, disabled: boolean): Promise<UserRecord> {
  if (userId === admin._id && disabled) throw conflict('You cannot disable your own account.');
  const user = await target(ctx, userId);
  const updated = (await ctx.repos.users.update(user._id, { disabledAt: disabled ? new Date(ctx.now()) : null }))!;
  if (disabled) for (const s of await ctx.repos.logins.ofUser(user._id)) await ctx.logins.revoke(s._id, user._id);
  await audit(ctx, { req, action: disabled ? 'admin.account_disabled' : 'admin.account_enabled', target: { type: 'user', id: user._id, label: user.email } });
  return updated;
}

/** A password-reset link for an account, for the administrator to hand over (one use, one hour). */
export async function issueResetLink(ctx: Ctx, req: Request, userId: string): Promise<string> {
  const user = await target(ctx, userId);
  const link = await createResetLink(ctx, user._id);
  await audit(ctx, { req, action: 'admin.reset_link', target: { type: 'user', id: user._id, label: user.email } });
  return link;
}
