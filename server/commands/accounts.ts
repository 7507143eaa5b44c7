/** Account use-cases: sign up, log in, log out. */
import type { LoginBody, SignupBody } from '../../shared/schemas';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../auth/passwords';
import type { Ctx } from '../context';
import { AppError, conflict } from '../errors';
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
  const session = await ctx.sessions.create(user._id);
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
  const session = await ctx.sessions.create(user._id);
  return { user, session };
}

const badCredentials = () => new AppError('authentication_required', 'That email and password do not match an account.');

/** Revokes a session server-side; its open sockets are closed by the realtime layers. */
export async function logout(ctx: Ctx, sessionId: string, userId: string) {
  await ctx.sessions.revoke(sessionId, userId);
}
