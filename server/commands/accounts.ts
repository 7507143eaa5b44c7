/** Account use-cases: sign up, log in, log out, rename, change password. */
import type { ChangePasswordBody, LoginBody, SignupBody } from '../../shared/schemas';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../auth/passwords';
import type { Ctx } from '../context';
import { AppError, authRequired, conflict, forbidden, invalidPayload } from '../errors';
import { newId } from '../ids';
import type { UserRecord } from '../repos';
import { DuplicateKeyError } from '../store/port';

/** Creates a user (email unique, case-insensitive) and a session for them. */
export async function signup(ctx: Ctx, body: SignupBody) {
  const email = body.email.toLowerCase();
  if (await ctx.repos.users.byEmail(email)) throw emailTaken();
  const user: UserRecord = {
    _id: newId(),
    email,
    name: body.name,
    passwordHash: await hashPassword(body.password),
    createdAt: new Date(ctx.now()),
  };
  try {
    await ctx.repos.users.insert(user);
  } catch (err) {
    if (err instanceof DuplicateKeyError) throw emailTaken();
    throw err;
  }
  const session = await ctx.logins.create(user._id);
  return { user, session };
}

const emailTaken = () => conflict('An account with this email already exists. Try logging in instead.', { fields: [{ field: 'email', message: 'Email already registered' }] });

/** Checks credentials and opens a brand-new session (the id is never reused from before login). */
export async function login(ctx: Ctx, body: LoginBody) {
  const user = await ctx.repos.users.byEmail(body.email.toLowerCase());
  if (!user) {
    await burnPasswordCheck(body.password);
    throw badCredentials();
  }
  if (!(await verifyPassword(body.password, user.passwordHash))) throw badCredentials();
  // Told only after the right password, so a guesser does not learn the account is disabled.
  if (user.disabledAt) throw accountDisabled();
  const session = await ctx.logins.create(user._id);
  return { user, session };
}

/** The answer to anyone signing in to an account an administrator disabled. */
export const accountDisabled = () => forbidden('This account is disabled. Ask the administrators of this server.');

const badCredentials = () => new AppError('authentication_required', 'That email and password do not match an account.');

/** Revokes a session server-side; its open sockets are closed by the realtime layers. */
export async function logout(ctx: Ctx, sessionId: string, userId: string) {
  await ctx.logins.revoke(sessionId, userId);
}

/**
 * Changes a user's display name. Stored history (messages, attendance) keeps the name it was written
 * under; the user's open sockets are told through the bus so what they send from now on carries the new one.
 */
export async function renameUser(ctx: Ctx, userId: string, name: string): Promise<UserRecord> {
  const before = await ctx.repos.users.byId(userId);
  if (!before) throw authRequired();
  // The old name is remembered, so editing a message that says "@Old Name" keeps mentioning this person.
  const formerNames = before.name === name ? before.formerNames : [...(before.formerNames ?? []).filter((n) => n !== before.name && n !== name), before.name].slice(-5);
  const user = await ctx.repos.users.update(userId, { name, ...(formerNames ? { formerNames } : {}) });
  if (!user) throw authRequired();
  ctx.bus.emit('user:renamed', { userId, name: user.name });
  return user;
}

/** The answer to a wrong current password: a field error, so the form can show it next to the field. */
export const wrongCurrentPassword = () =>
  invalidPayload('Current password is wrong.', { fields: [{ field: 'currentPassword', message: 'Current password is wrong' }] });

/**
 * Changes a user's password after checking the current one, then ends every other login of the user
 * (their sockets close) and gives the caller's browser a brand-new session id in place of `sessionId`.
 * Returns that new session.
 */
export async function changePassword(ctx: Ctx, user: UserRecord, sessionId: string, body: ChangePasswordBody) {
  if (!(await verifyPassword(body.currentPassword, user.passwordHash))) throw wrongCurrentPassword();
  const updated = await ctx.repos.users.update(user._id, { passwordHash: await hashPassword(body.newPassword) });
  if (!updated) throw authRequired();
  const others = (await ctx.repos.logins.ofUser(user._id)).filter((s) => s._id !== sessionId);
  const session = await ctx.logins.rotate(sessionId, user._id);
  for (const s of others) await ctx.logins.revoke(s._id, user._id);
  return session;
}
