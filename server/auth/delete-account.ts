/**
 * Deleting my own account: the person proves it is them (the password, or the email typed again for an
 * account that signs in only through the district), every login ends, memberships go, and the user record
 * is removed. What they wrote stays under "Former member" (lists that look people up show it for a missing
 * user; chat and comments, which store the author's name with what was written, rewrite it), or is erased
 * when they ask: each feature does it in its own records on the `user:deleted` bus event.
 * Refused while they are the last facilitator of a space that has other members: a space is never left
 * without someone to run it. A space where they are the only member is simply left (administrators see it).
 */
import type { Request } from 'express';
import { z } from 'zod';
import { emailSchema, LIMITS } from '../../shared/schemas';
import { audit } from '../audit/audit';
import type { Ctx } from '../context';
import { conflict, invalidPayload } from '../errors';
import type { UserRecord } from '../repos';
import { verifyPassword } from './passwords';

/** DELETE /api/me body. */
export const deleteAccountBody = z.strictObject({
  confirmEmail: emailSchema,
  password: z.string().max(LIMITS.passwordMax).optional(),
  /** Also erase my messages and comments (default: they stay, under "Former member"). */
  eraseContent: z.boolean().optional(),
});

/** Deletes `user` after the checks above; throws invalid_payload (wrong proof) or conflict (last facilitator). */
export async function deleteAccount(ctx: Ctx, req: Request, user: UserRecord, body: z.infer<typeof deleteAccountBody>): Promise<void> {
  if (body.confirmEmail.toLowerCase() !== user.email) throw invalidPayload('Type your own email to confirm.', { fields: [{ field: 'confirmEmail', message: 'This is not your email' }] });
  if (user.passwordHash && !(await verifyPassword(body.password ?? '', user.passwordHash))) {
    throw invalidPayload('Password is wrong.', { fields: [{ field: 'password', message: 'Password is wrong' }] });
  }
  const memberships = await ctx.repos.memberships.ofUser(user._id);
  const blocking: string[] = [];
  for (const m of memberships) {
    if (m.role !== 'facilitator') continue;
    const [facilitators, members] = await Promise.all([ctx.repos.memberships.countRole(m.spaceId, 'facilitator'), ctx.repos.memberships.count(m.spaceId)]);
    if (facilitators === 1 && members > 1) blocking.push((await ctx.repos.spaces.byId(m.spaceId))?.name ?? m.spaceId);
  }
  if (blocking.length) {
    throw conflict(`You are the last facilitator of ${blocking.join(', ')}. Make someone else a facilitator there first.`, { reason: 'last_facilitator', spaces: blocking });
  }
  for (const m of memberships) {
    await ctx.repos.memberships.remove(m.spaceId, user._id);
    ctx.bus.emit('membership:removed', { spaceId: m.spaceId, userId: user._id });
  }
  for (const s of await ctx.repos.logins.ofUser(user._id)) await ctx.logins.revoke(s._id, user._id);
  // With every login ended nothing new can be written; if a feature fails here the user record still
  // exists, so the person can log in and try again.
  const erase = body.eraseContent === true;
  await ctx.bus.emitAndWait('user:deleted', { userId: user._id, spaceIds: memberships.map((m) => m.spaceId), erase });
  await ctx.store.collection('identities').deleteMany({ userId: user._id });
  await ctx.store.collection('passwordResets').deleteMany({ userId: user._id });
  await ctx.store.collection('users').deleteOne({ _id: user._id });
  await audit(ctx, { req, action: 'account.deleted', actor: { id: user._id, name: user.name }, target: { type: 'user', id: user._id, label: user.email }, details: { erased: erase } });
}
