/** Instance administrators: the accounts whose email is in ADMIN_EMAILS. */
import type { Request } from 'express';
import type { Ctx } from '../context';
import { forbidden } from '../errors';
import { requireUser } from '../http/kit';
import type { UserRecord } from '../repos';

/** True when `user` is an instance administrator. */
export const isAdmin = (ctx: Ctx, user: Pick<UserRecord, 'email'>) => ctx.config.adminEmails.includes(user.email.toLowerCase());

/** The signed-in administrator, or 401 / 403. */
export function requireAdmin(ctx: Ctx, req: Request): UserRecord {
  const user = requireUser(req);
  if (!isAdmin(ctx, user)) throw forbidden('Only the administrators of this server can do that.');
  return user;
}
