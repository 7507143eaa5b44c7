/**
 * The later steps of the multi-step space writes, shared by the commands (which run them live, with crash
 * points between them) and by the repair at start (which rolls forward whatever a crash cut short).
 * Every step is idempotent, so the repair may run while another process of a cluster is in the middle of
 * the same write: both finish it, and each step tolerates the other having done it first.
 * The rule and the order of writes are described in server/store/README.md ("Atomic by design").
 */
import type { Role } from '../../shared/types';
import { audit } from '../audit/audit';
import type { Ctx } from '../context';
import { conflict } from '../errors';
import { newId } from '../ids';
import type { InviteRecord, JoinRequestRecord, SpaceRecord } from '../repos';
import { DuplicateKeyError } from '../store/port';

/** Names a gap between two steps: crashPoint in a live command, nothing in the repair. */
export type CrashAt = (point: string) => void;
const noCrash: CrashAt = () => {};

/** Inserts a membership; true when it was already there (the unique index on space and user kept one). */
async function addMember(ctx: Ctx, m: { spaceId: string; userId: string; role: Role; joinedAt: Date }): Promise<boolean> {
  try {
    await ctx.repos.memberships.insert({ _id: newId(), ...m });
    return false;
  } catch (err) {
    if (err instanceof DuplicateKeyError) return true;
    throw err;
  }
}

/**
 * Creating a space, after its record was written with the `creating` marker: the creator becomes its
 * facilitator, the features add what every space starts with (`space:created`: chat's `general`), and
 * the marker is cleared, which makes the space visible.
 */
export async function finishSpace(ctx: Ctx, space: SpaceRecord, crash: CrashAt = noCrash): Promise<void> {
  await addMember(ctx, { spaceId: space._id, userId: space.createdBy, role: 'facilitator', joinedAt: space.createdAt });
  crash('space.create:after-membership');
  await ctx.bus.emitAndWait('space:created', { spaceId: space._id, userId: space.createdBy, at: space.createdAt });
  crash('space.create:after-channel');
  await ctx.repos.spaces.created(space._id);
}

/**
 * Approving a join request, after it was claimed (`approving` set, still pending): the requester becomes a
 * member, then the request is closed. Answers the approved request and whether this call closed it (not
 * another process finishing the same approval); 409 when it ended otherwise.
 */
export async function finishApproval(ctx: Ctx, request: JoinRequestRecord, crash: CrashAt = noCrash): Promise<{ request: JoinRequestRecord; closed: boolean }> {
  const { by, at } = request.approving!;
  await addMember(ctx, { spaceId: request.spaceId, userId: request.userId, role: 'member', joinedAt: at });
  crash('join.approve:after-membership');
  const approved = await ctx.repos.joinRequests.approve(request._id, by, at);
  if (approved) return { request: approved, closed: true };
  const now = await ctx.repos.joinRequests.byId(request._id);
  if (now?.status !== 'approved') throw conflict('This request was already decided.', { status: now?.status ?? 'pending' });
  return { request: now, closed: false };
}

/**
 * Joining through an invite, after a seat was taken (the user is in the invite's `joining`): the membership
 * is written, then the seat is marked done. Answers whether the user was a member already.
 */
export async function finishInviteJoin(ctx: Ctx, invite: InviteRecord, userId: string, crash: CrashAt = noCrash): Promise<boolean> {
  let already: boolean;
  try {
    already = await addMember(ctx, { spaceId: invite.spaceId, userId, role: invite.role, joinedAt: new Date(ctx.now()) });
  } catch (err) {
    await ctx.repos.invites.release(invite._id, userId);
    throw err;
  }
  crash('invite.accept:after-membership');
  await ctx.repos.invites.joined(invite._id, userId);
  return already;
}

/**
 * Rolls forward every space write a crash cut short (run once at start, before anything is served):
 * spaces still `creating`, approvals still `approving`, invite seats still `joining`.
 */
export async function repairSpaceWrites(ctx: Ctx): Promise<void> {
  const log = ctx.logger.child({ cat: 'repair' });
  for (const space of await ctx.repos.spaces.creating()) {
    await finishSpace(ctx, space);
    log.warn({ spaceId: space._id }, 'finished creating a space a crash had cut short');
  }
  for (const request of await ctx.repos.joinRequests.approving()) {
    if (!(await finishApproval(ctx, request)).closed) continue; // another process finished it
    const [actor, requester] = await Promise.all([ctx.repos.users.byId(request.approving!.by), ctx.repos.users.byId(request.userId)]);
    const detail = { action: 'join_request.decided', spaceId: request.spaceId, details: { decision: 'approved' } } as const;
    await audit(ctx, { ...detail, actor: actor ? { id: actor._id, name: actor.name } : null, target: { type: 'user', id: request.userId, label: requester?.name ?? '' } });
    log.warn({ requestId: request._id }, 'finished approving a join request a crash had cut short');
  }
  for (const invite of await ctx.repos.invites.withSeatsInProgress()) {
    for (const userId of invite.joining ?? []) {
      // A seat taken by an account deleted since, or for a space gone since, is given back instead.
      const [user, space] = await Promise.all([ctx.repos.users.byId(userId), ctx.repos.spaces.byId(invite.spaceId)]);
      if (user && space) await finishInviteJoin(ctx, invite, userId);
      else await ctx.repos.invites.release(invite._id, userId);
      const done = user && space ? 'finished a join through an invite' : 'gave back an invite seat of a join';
      log.warn({ invite: invite._id.slice(0, 4), userId }, `${done} a crash had cut short`);
    }
  }
}
