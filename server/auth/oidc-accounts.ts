/**
 * Which account an OpenID sign-in belongs to: the one already linked to that provider identity; otherwise
 * the account with the same VERIFIED email (linked now); otherwise a new account made from the verified
 * email and name. An unverified email never creates or links anything: anyone can type any address into
 * some providers.
 */
import type { Ctx } from '../context';
import { newId } from '../ids';
import type { UserRecord } from '../repos';
import { DuplicateKeyError } from '../store/port';
import { OidcError, type OidcProfile } from './oidc';

interface IdentityRecord {
  _id: string;
  userId: string;
  issuer: string;
  subject: string;
  createdAt: Date;
}

// Control characters would pass a provider but fail our own name rule (shared/schemas.ts `text`).
const CONTROL = /[\u0000-\u001F\u007F]/g;

/** Finds, links or creates the account for a verified sign-in; `created` tells a first sign-in apart. */
export async function accountForProfile(ctx: Ctx, p: OidcProfile): Promise<{ user: UserRecord; created: boolean; linked: boolean }> {
  const identities = ctx.store.collection<IdentityRecord>('identities');
  const key = `${p.issuer}|${p.subject}`;
  const known = await identities.findOne({ _id: key });
  if (known) {
    const user = await ctx.repos.users.byId(known.userId);
    if (user?.disabledAt) throw new OidcError('disabled', 'This account is disabled. Ask the administrators of this server.');
    if (user) return { user, created: false, linked: false };
    // The account was deleted: the identity may start afresh.
    await identities.deleteOne({ _id: key });
  }
  if (!p.emailVerified) throw new OidcError('unverified_email', 'Your organization did not confirm your email address, so we cannot sign you in with it.');
  let user = await ctx.repos.users.byEmail(p.email);
  let created = false;
  if (user?.disabledAt) throw new OidcError('disabled', 'This account is disabled. Ask the administrators of this server.');
  if (!user) {
    const fresh: UserRecord = { _id: newId(), email: p.email, name: p.name.replace(CONTROL, '').trim() || 'Teacher', passwordHash: '', createdAt: new Date(ctx.now()) };
    try {
      await ctx.repos.users.insert(fresh);
      user = fresh;
      created = true;
    } catch (err) {
      if (!(err instanceof DuplicateKeyError)) throw err;
      user = await ctx.repos.users.byEmail(p.email);
      if (!user) throw err;
    }
  }
  try {
    await identities.insertOne({ _id: key, userId: user._id, issuer: p.issuer, subject: p.subject, createdAt: new Date(ctx.now()) });
  } catch (err) {
    // Two first sign-ins racing: the other one linked it already.
    if (!(err instanceof DuplicateKeyError)) throw err;
  }
  return { user, created, linked: !created };
}
