/** Space use-cases that span collections: creation, membership, invites, join requests. */
import { LIMITS, type CreateInviteBody, type CreateSpaceBody, type UpdateSpaceBody } from '../../shared/schemas';
import { DEFAULT_GUEST_RIGHTS, type Role } from '../../shared/types';
import type { Ctx } from '../context';
import { conflict, gone, notFound } from '../errors';
import { newId, newInviteCode } from '../ids';
import type { InviteRecord, MembershipRecord, SpaceRecord } from '../repos';
import { crashPoint } from '../crash';
import { accessSpace } from './access';
import { finishApproval, finishInviteJoin, finishSpace } from './atomic';

/**
 * Creates a space and makes the creator its facilitator; the features set up what every space starts with
 * (chat: the `general` channel) on `space:created` before this resolves. The space is written first with
 * its `creating` marker, which every reader skips, and becomes visible only when the marker is cleared
 * last (server/commands/atomic.ts); a crash in between is finished by the repair at the next start.
 */
export async function createSpace(ctx: Ctx, userId: string, body: CreateSpaceBody) {
  const now = new Date(ctx.now());
  const space: SpaceRecord = {
    _id: newId(),
    name: body.name,
    nameLower: body.name.toLowerCase(),
    kind: body.kind,
    description: body.description ?? '',
    visibility: body.visibility ?? 'private',
    guestRights: { ...DEFAULT_GUEST_RIGHTS, ...body.guestRights },
    currency: body.currency ?? 'USD',
    createdBy: userId,
    createdAt: now,
  };
  await ctx.repos.spaces.insert({ ...space, creating: now });
  crashPoint('space.create:after-space');
  await finishSpace(ctx, space, crashPoint);
  return space;
}

/** Renames a space or changes its description, visibility or guest rights (facilitators). */
export async function updateSpace(ctx: Ctx, userId: string, spaceId: string, body: UpdateSpaceBody) {
  const { space } = await accessSpace(ctx, spaceId, userId, 'space.update');
  const { guestRights, ...rest } = body;
  const updated = await ctx.repos.spaces.update(space._id, {
    ...rest,
    ...(body.name ? { nameLower: body.name.toLowerCase() } : {}),
    ...(guestRights ? { guestRights: { ...DEFAULT_GUEST_RIGHTS, ...space.guestRights, ...guestRights } } : {}),
  });
  return updated ?? space;
}

/** The spaces a user belongs to, with their role in each. */
export async function mySpaces(ctx: Ctx, userId: string) {
  const memberships = await ctx.repos.memberships.ofUser(userId);
  const roles = new Map(memberships.map((m) => [m.spaceId, m.role]));
  const spaces = await ctx.repos.spaces.byIds([...roles.keys()]);
  return spaces.map((space) => ({ space, role: roles.get(space._id)! }));
}

/** Creates an invite link for a role; expiry defaults to a week. */
export async function createInvite(ctx: Ctx, userId: string, spaceId: string, body: CreateInviteBody) {
  await accessSpace(ctx, spaceId, userId, 'invites.create');
  const now = ctx.now();
  const invite: InviteRecord = {
    _id: newInviteCode(),
    spaceId,
    role: body.role,
    maxUses: body.maxUses ?? null,
    uses: 0,
    expiresAt: new Date(now + (body.expiresInHours ?? LIMITS.inviteDefaultHours) * 3600_000),
    createdBy: userId,
    createdAt: new Date(now),
    revokedAt: null,
  };
  await ctx.repos.invites.insert(invite);
  return invite;
}

/** Why an invite cannot be used right now, or null when it can. */
export function inviteProblem(invite: InviteRecord, now: number): 'revoked' | 'expired' | 'used_up' | null {
  if (invite.revokedAt) return 'revoked';
  if (invite.expiresAt.getTime() <= now) return 'expired';
  if (invite.maxUses !== null && invite.uses >= invite.maxUses) return 'used_up';
  return null;
}

const INVITE_PROBLEM_MESSAGES = {
  revoked: 'This invite link was revoked by a facilitator. Ask them for a new one.',
  expired: 'This invite link has expired. Ask a facilitator of the space for a new one.',
  used_up: 'This invite link has been used as many times as allowed. Ask a facilitator for a new one.',
} as const;

/**
 * Joins the space behind an invite. Someone already in the space keeps their role (an invite never
 * demotes); otherwise one seat of the invite is taken atomically, recorded for this user, and the
 * membership written after it (server/commands/atomic.ts). A seat this user took in an attempt a crash
 * cut short is used again, not taken twice.
 */
export async function acceptInvite(ctx: Ctx, userId: string, code: string) {
  const invite = await ctx.repos.invites.byCode(code);
  if (!invite) throw notFound('That invite link');
  const space = await ctx.repos.spaces.byId(invite.spaceId);
  if (!space) throw notFound('That invite link');
  const existing = await ctx.repos.memberships.get(space._id, userId);
  if (existing) {
    if (invite.joining?.includes(userId)) await ctx.repos.invites.joined(code, userId);
    return { space, role: existing.role, alreadyMember: true };
  }
  if (!invite.joining?.includes(userId)) {
    const problem = inviteProblem(invite, ctx.now());
    if (problem) throw gone(INVITE_PROBLEM_MESSAGES[problem], { reason: problem });
    const consumed = await ctx.repos.invites.consume(code, new Date(ctx.now()), invite.maxUses, userId);
    // Not consumed: the last seat went to someone else, or this user's other request took one just now.
    if (!consumed && !(await ctx.repos.invites.byCode(code))?.joining?.includes(userId)) {
      const m = await ctx.repos.memberships.get(space._id, userId);
      if (m) return { space, role: m.role, alreadyMember: true };
      throw gone(INVITE_PROBLEM_MESSAGES.used_up, { reason: 'used_up' });
    }
  }
  crashPoint('invite.accept:after-seat');
  if (await finishInviteJoin(ctx, invite, userId, crashPoint)) {
    const m = await ctx.repos.memberships.get(space._id, userId);
    return { space, role: m?.role ?? invite.role, alreadyMember: true };
  }
  return { space, role: invite.role, alreadyMember: false };
}

/** Changes a member's role; a space always keeps at least one facilitator. */
export async function changeRole(ctx: Ctx, actorId: string, spaceId: string, targetId: string, role: Role) {
  await accessSpace(ctx, spaceId, actorId, 'members.changeRole');
  const target = await ctx.repos.memberships.get(spaceId, targetId);
  if (!target) throw notFound('That member');
  if (target.role === role) return target;
  if (target.role === 'facilitator') await ensureAnotherFacilitator(ctx, spaceId, 'demote the last facilitator');
  const updated = await ctx.repos.memberships.setRole(spaceId, targetId, role);
  if (!updated) throw notFound('That member');
  if (target.role === 'facilitator' && (await ctx.repos.memberships.countRole(spaceId, 'facilitator')) === 0) {
    // Two facilitators demoted each other at once: both checks passed. Undo ours so the space keeps one.
    await ctx.repos.memberships.setRole(spaceId, targetId, 'facilitator');
    throw lastFacilitator('demote the last facilitator');
  }
  ctx.bus.emit('membership:changed', { spaceId, userId: targetId, role });
  return updated;
}

/** Removes someone from a space (facilitators), or lets a member leave (themselves). */
export async function removeMember(ctx: Ctx, actorId: string, spaceId: string, targetId: string) {
  const access = await accessSpace(ctx, spaceId, actorId, targetId === actorId ? 'space.leave' : 'members.remove');
  const target: MembershipRecord | null = targetId === actorId ? access.membership : await ctx.repos.memberships.get(spaceId, targetId);
  if (!target) throw notFound('That member');
  if (target.role === 'facilitator') {
    await ensureAnotherFacilitator(
      ctx,
      spaceId,
      targetId === actorId ? 'leave as the last facilitator; make someone else a facilitator first' : 'remove the last facilitator',
    );
  }
  await ctx.repos.memberships.remove(spaceId, targetId);
  if (target.role === 'facilitator' && (await ctx.repos.memberships.countRole(spaceId, 'facilitator')) === 0) {
    // Two facilitators left (or removed each other) at once: put ours back so the space keeps one.
    await ctx.repos.memberships.insert(target);
    throw lastFacilitator('leave as the last facilitator; make someone else a facilitator first');
  }
  ctx.bus.emit('membership:removed', { spaceId, userId: targetId });
}

async function ensureAnotherFacilitator(ctx: Ctx, spaceId: string, what: string) {
  const count = await ctx.repos.memberships.countRole(spaceId, 'facilitator');
  if (count <= 1) throw lastFacilitator(what);
}

const lastFacilitator = (what: string) => conflict(`You cannot ${what}.`, { reason: 'last_facilitator' });

/** Asks to join a listed space; one pending request per person. */
export async function requestToJoin(ctx: Ctx, userId: string, spaceId: string, message: string) {
  await accessSpace(ctx, spaceId, userId, 'joinRequests.create');
  const pending = await ctx.repos.joinRequests.pendingOf(spaceId, userId);
  if (pending) return { request: pending, created: false };
  const request = {
    _id: newId(),
    spaceId,
    userId,
    message,
    status: 'pending' as const,
    createdAt: new Date(ctx.now()),
    decidedBy: null,
    decidedAt: null,
  };
  await ctx.repos.joinRequests.insert(request);
  ctx.bus.emit('joinRequest:created', { spaceId, requestId: request._id, userId, message });
  return { request, created: true };
}

/**
 * Approves (the requester becomes a member) or declines a pending join request. Approving claims the
 * request first (it stays pending, and cannot be declined), then writes the membership, then closes it
 * (server/commands/atomic.ts); an approval a crash cut short is finished by the repair or by approving again.
 */
export async function decideJoinRequest(ctx: Ctx, actorId: string, spaceId: string, requestId: string, decision: 'approved' | 'declined') {
  await accessSpace(ctx, spaceId, actorId, 'joinRequests.decide');
  const request = await ctx.repos.joinRequests.byId(requestId);
  if (!request || request.spaceId !== spaceId) throw notFound('That join request');
  const at = new Date(ctx.now());
  if (decision === 'declined') {
    const declined = await ctx.repos.joinRequests.decline(requestId, actorId, at);
    if (declined) return declined;
    if (request.status === 'pending') throw conflict('This request is being approved.', { status: 'pending' });
    throw conflict('This request was already decided.', { status: request.status });
  }
  const claimed = await ctx.repos.joinRequests.claim(requestId, actorId, at);
  if (!claimed) {
    // Decided between the read above and the claim (another facilitator, or the repair): say how it ended.
    const now = await ctx.repos.joinRequests.byId(requestId);
    throw conflict('This request was already decided.', { status: now?.status ?? request.status });
  }
  crashPoint('join.approve:after-claim');
  return (await finishApproval(ctx, claimed, crashPoint)).request;
}

/**
 * The pending requests a facilitator sees. A request whose approval was cut short after the membership
 * was written is approved in all but its status (the repair closes it): it is not shown as pending.
 */
export async function pendingJoinRequests(ctx: Ctx, spaceId: string) {
  const list = await ctx.repos.joinRequests.pendingInSpace(spaceId);
  const members = await Promise.all(list.map((j) => (j.approving ? ctx.repos.memberships.get(spaceId, j.userId) : null)));
  return list.filter((_, i) => !members[i]);
}

/** Revokes an invite so its link stops working. */
export async function revokeInvite(ctx: Ctx, actorId: string, spaceId: string, code: string) {
  await accessSpace(ctx, spaceId, actorId, 'invites.revoke');
  const n = await ctx.repos.invites.revoke(spaceId, code, new Date(ctx.now()));
  if (n === 0) {
    const inv = await ctx.repos.invites.byCode(code);
    if (!inv || inv.spaceId !== spaceId) throw notFound('That invite');
  }
}
