/** Loads a space with the caller's role in it and checks one action through the policy module. */
import type { Ctx } from '../context';
import { AppError, notFound } from '../errors';
import { authorize, type Action, type Actor } from '../policies';
import type { MembershipRecord, SpaceRecord } from '../repos';

export interface SpaceAccess {
  space: SpaceRecord;
  membership: MembershipRecord | null;
  actor: Actor;
}

/** Resolves `spaceId` for `userId` (null when anonymous) and authorizes `action`; 404 for unknown spaces. */
export async function accessSpace(ctx: Ctx, spaceId: string, userId: string | null, action: Action): Promise<SpaceAccess> {
  const space = await ctx.repos.spaces.byId(spaceId);
  if (!space) throw notFound('That space');
  const membership = userId ? await ctx.repos.memberships.get(spaceId, userId) : null;
  const actor: Actor = userId ? { userId, role: membership?.role ?? null } : { userId: null, role: null };
  authorize(actor, action, space);
  return { space, membership, actor };
}

/**
 * Like accessSpace, for something that lives in a space (a document): a space hidden from the caller
 * reports the thing itself as not found, so its existence is not revealed either.
 */
export async function accessWithin(ctx: Ctx, spaceId: string, userId: string | null, action: Action, what: string): Promise<SpaceAccess> {
  try {
    return await accessSpace(ctx, spaceId, userId, action);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') throw notFound(what);
    throw err;
  }
}
