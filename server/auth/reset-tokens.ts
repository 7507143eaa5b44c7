/**
 * Password-reset tokens: 32 random bytes in the link, only their SHA-256 stored (a leaked database holds no
 * usable link). A token works once and for one hour; using it sets the password, ends every login of the
 * user and opens a new one.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Ctx } from '../context';
import { hashPassword } from './passwords';
import { AppError } from '../errors';
import { accountDisabled } from '../commands/accounts';
import type { UserRecord } from '../repos';
import type { IndexSpec } from '../store/port';

export const RESET_TTL_MS = 60 * 60 * 1000;

interface ResetRecord {
  _id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export const RESET_INDEXES: IndexSpec[] = [
  { collection: 'passwordResets', fields: { userId: 1 } },
  // Spent and expired tokens are removed a day later by the engine.
  { collection: 'passwordResets', fields: { expiresAt: 1 }, expireAfterSeconds: 24 * 3600 },
];

const resets = (ctx: Ctx) => ctx.store.collection<ResetRecord>('passwordResets');
const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Creates a reset token for `userId` and returns the link to send (PUBLIC_URL/reset-password/<token>). */
export async function createResetLink(ctx: Ctx, userId: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const now = ctx.now();
  await resets(ctx).insertOne({ _id: digest(token), userId, createdAt: new Date(now), expiresAt: new Date(now + RESET_TTL_MS), usedAt: null });
  return `${ctx.config.publicUrl}/reset-password/${token}`;
}

const invalidLink = () => new AppError('not_found', 'This reset link is not valid: it was already used, it has expired, or it was mistyped. Ask for a new one.');

/**
 * Spends a token: sets the new password, ends every login of the user (their sockets close) and opens a
 * fresh one. Returns the user and the new session; `not_found` when the token is unknown, used or expired.
 */
export async function completeReset(ctx: Ctx, token: string, password: string): Promise<{ user: UserRecord; session: { token: string } }> {
  const now = new Date(ctx.now());
  // Marked used atomically before anything else, so two clicks racing cannot both set a password.
  const record = await resets(ctx).findOneAndUpdate({ _id: digest(token), usedAt: null, expiresAt: { $gt: now } }, { $set: { usedAt: now } });
  if (!record) throw invalidLink();
  if ((await ctx.repos.users.byId(record.userId))?.disabledAt) throw accountDisabled();
  const user = await ctx.repos.users.update(record.userId, { passwordHash: await hashPassword(password) });
  if (!user) throw invalidLink();
  // Every other outstanding link of the user dies too: the password it would reset is gone.
  await resets(ctx).updateMany({ userId: user._id, usedAt: null }, { $set: { usedAt: now } });
  for (const s of await ctx.repos.logins.ofUser(user._id)) await ctx.logins.revoke(s._id, user._id);
  const session = await ctx.logins.create(user._id);
  return { user, session };
}
