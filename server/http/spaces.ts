/** Space routes: spaces, members, invites, directory and join requests (CONTRACT.md "Spaces and roles"). */
import { Router } from 'express';
import {
  changeRoleBody,
  createInviteBody,
  createSpaceBody,
  directoryQuery,
  emptyBody,
  inviteCodeSchema,
  joinRequestBody,
  updateSpaceBody,
} from '../../shared/schemas';
import type { DirectoryEntry, InvitePreview } from '../../shared/types';
import { accessSpace } from '../commands/access';
import {
  acceptInvite,
  changeRole,
  createInvite,
  createSpace,
  decideJoinRequest,
  pendingJoinRequests,
  inviteProblem,
  mySpaces,
  removeMember,
  requestToJoin,
  revokeInvite,
  updateSpace,
} from '../commands/spaces';
import type { Ctx } from '../context';
import { notFound } from '../errors';
import { presentInvite, presentJoinRequest, presentMember, presentSpace } from '../presenters';
import type { UserRecord } from '../repos';
import { idParam, param, parse, requireUser, userIdOf } from './kit';
import { audit } from '../audit/audit';
import { checkInviteMailing, mailInvite } from '../email/invites';

/** Escapes a user's search words so they match literally inside a RegExp. */
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Routes under /api for spaces. */
export function spaceRoutes(ctx: Ctx): Router {
  const r = Router();
  const usersById = async (ids: string[]) => new Map<string, UserRecord>((await ctx.repos.users.byIds(ids)).map((u) => [u._id, u]));

  r.post('/spaces', async (req, res) => {
    const user = requireUser(req);
    const body = parse(createSpaceBody, req.body);
    const space = await createSpace(ctx, user._id, body);
    res.status(201).json({ space: presentSpace(space, 1), role: 'facilitator' });
  });

  r.get('/spaces', async (req, res) => {
    const user = requireUser(req);
    const list = await mySpaces(ctx, user._id);
    res.json({ spaces: list.map(({ space, role }) => ({ ...presentSpace(space), role })) });
  });

  r.get('/spaces/:spaceId', async (req, res) => {
    const { space, membership } = await accessSpace(ctx, idParam(req, 'spaceId', 'That space'), userIdOf(req), 'space.view');
    const memberCount = await ctx.repos.memberships.count(space._id);
    const pending = !membership && req.login ? await ctx.repos.joinRequests.pendingOf(space._id, req.login.user._id) : null;
    res.json({ space: presentSpace(space, memberCount), role: membership?.role ?? null, pendingRequest: Boolean(pending) });
  });

  r.patch('/spaces/:spaceId', async (req, res) => {
    const user = requireUser(req);
    const spaceId = idParam(req, 'spaceId', 'That space');
    const body = parse(updateSpaceBody, req.body);
    const updated = await updateSpace(ctx, user._id, spaceId, body);
    res.json({ space: presentSpace(updated) });
  });

  r.get('/spaces/:spaceId/members', async (req, res) => {
    const { space } = await accessSpace(ctx, idParam(req, 'spaceId', 'That space'), userIdOf(req), 'members.list');
    const members = await ctx.repos.memberships.ofSpace(space._id);
    const users = await usersById(members.map((m) => m.userId));
    res.json({ members: members.map((m) => presentMember(m, users.get(m.userId))) });
  });

  r.patch('/spaces/:spaceId/members/:userId', async (req, res) => {
    const user = requireUser(req);
    const spaceId = idParam(req, 'spaceId', 'That space');
    const targetId = idParam(req, 'userId', 'That member');
    const body = parse(changeRoleBody, req.body);
    const m = await changeRole(ctx, user._id, spaceId, targetId, body.role);
    const target = await ctx.repos.users.byId(targetId);
    await audit(ctx, { req, action: 'member.role_changed', spaceId, target: { type: 'user', id: targetId, label: target?.name ?? '' }, details: { role: body.role } });
    res.json({ member: presentMember(m, target ?? undefined) });
  });

  r.delete('/spaces/:spaceId/members/:userId', async (req, res) => {
    const user = requireUser(req);
    await removeMember(ctx, user._id, idParam(req, 'spaceId', 'That space'), idParam(req, 'userId', 'That member'));
    await audit(ctx, { req, action: 'member.removed', spaceId: param(req, 'spaceId'), target: { type: 'user', id: param(req, 'userId') } });
    res.status(204).end();
  });

  r.post('/spaces/:spaceId/leave', async (req, res) => {
    const user = requireUser(req);
    parse(emptyBody, req.body);
    await removeMember(ctx, user._id, idParam(req, 'spaceId', 'That space'), user._id);
    await audit(ctx, { req, action: 'member.left', spaceId: param(req, 'spaceId'), target: { type: 'user', id: user._id } });
    res.status(204).end();
  });

  r.post('/spaces/:spaceId/invites', async (req, res) => {
    const user = requireUser(req);
    const spaceId = idParam(req, 'spaceId', 'That space');
    const body = parse(createInviteBody, req.body);
    const emails = body.emails ?? [];
    await checkInviteMailing(ctx, user._id, emails);
    const invite = await createInvite(ctx, user._id, spaceId, body);
    await audit(ctx, { req, action: 'invite.created', spaceId, target: { type: 'invite', id: invite._id }, details: { role: invite.role, maxUses: invite.maxUses } });
    await mailInvite(ctx, req, invite, emails);
    res.status(201).json({ invite: presentInvite(invite), emailed: emails.length });
  });

  r.get('/spaces/:spaceId/invites', async (req, res) => {
    const user = requireUser(req);
    const { space } = await accessSpace(ctx, idParam(req, 'spaceId', 'That space'), user._id, 'invites.list');
    const invites = await ctx.repos.invites.ofSpace(space._id);
    res.json({ invites: invites.map(presentInvite) });
  });

  r.delete('/spaces/:spaceId/invites/:code', async (req, res) => {
    const user = requireUser(req);
    await revokeInvite(ctx, user._id, idParam(req, 'spaceId', 'That space'), idParam(req, 'code', 'That invite'));
    await audit(ctx, { req, action: 'invite.revoked', spaceId: param(req, 'spaceId'), target: { type: 'invite', id: param(req, 'code') } });
    res.status(204).end();
  });

  // Anyone holding the code may see which space it leads to, so the landing page can say so before sign-up.
  r.get('/invites/:code', async (req, res) => {
    const code = parse(inviteCodeSchema, param(req, 'code'), 'code');
    const invite = await ctx.repos.invites.byCode(code);
    const space = invite ? await ctx.repos.spaces.byId(invite.spaceId) : null;
    if (!invite || !space) throw notFound('That invite link');
    const preview: InvitePreview = {
      role: invite.role,
      expiresAt: invite.expiresAt.toISOString(),
      status: inviteProblem(invite, ctx.now()) ?? 'valid',
      space: { id: space._id, name: space.name, kind: space.kind },
    };
    const membership = req.login ? await ctx.repos.memberships.get(space._id, req.login.user._id) : null;
    res.json({ invite: preview, myRole: membership?.role ?? null });
  });

  r.post('/invites/:code/accept', async (req, res) => {
    const user = requireUser(req);
    const code = parse(inviteCodeSchema, param(req, 'code'), 'code');
    parse(emptyBody, req.body);
    const { space, role } = await acceptInvite(ctx, user._id, code);
    await audit(ctx, { req, action: 'invite.used', spaceId: space._id, target: { type: 'invite', id: code }, details: { role } });
    res.json({ space: presentSpace(space), role });
  });

  r.get('/directory', async (req, res) => {
    const user = requireUser(req);
    const q = parse(directoryQuery, req.query, 'query');
    const words = q.q?.toLowerCase().trim();
    const spaces = await ctx.repos.spaces.listed(words ? new RegExp(escapeRegex(words)) : null, q.kind, 200);
    const mine = new Map((await ctx.repos.memberships.ofUser(user._id)).map((m) => [m.spaceId, m.role]));
    // A request whose approval a crash cut short after the membership was written is no longer pending.
    const pending = new Set((await ctx.repos.joinRequests.pendingOfUser(user._id)).map((j) => j.spaceId).filter((id) => !mine.has(id)));
    const entries: DirectoryEntry[] = await Promise.all(
      spaces.map(async (s) => ({
        ...presentSpace(s),
        memberCount: await ctx.repos.memberships.count(s._id),
        myRole: mine.get(s._id) ?? null,
        pendingRequest: pending.has(s._id),
      })),
    );
    res.json({ spaces: entries });
  });

  r.post('/spaces/:spaceId/join-requests', async (req, res) => {
    const user = requireUser(req);
    const spaceId = idParam(req, 'spaceId', 'That space');
    const body = parse(joinRequestBody, req.body);
    const { request, created } = await requestToJoin(ctx, user._id, spaceId, body.message ?? '');
    res.status(created ? 201 : 200).json({ joinRequest: presentJoinRequest(request, user) });
  });

  r.get('/spaces/:spaceId/join-requests', async (req, res) => {
    const user = requireUser(req);
    const { space } = await accessSpace(ctx, idParam(req, 'spaceId', 'That space'), user._id, 'joinRequests.list');
    const list = await pendingJoinRequests(ctx, space._id);
    const users = await usersById(list.map((j) => j.userId));
    res.json({ joinRequests: list.map((j) => presentJoinRequest(j, users.get(j.userId))) });
  });

  for (const [verb, decision] of [['approve', 'approved'], ['decline', 'declined']] as const) {
    r.post(`/spaces/:spaceId/join-requests/:requestId/${verb}`, async (req, res) => {
      const user = requireUser(req);
      parse(emptyBody, req.body);
      const decided = await decideJoinRequest(ctx, user._id, idParam(req, 'spaceId', 'That space'), idParam(req, 'requestId', 'That join request'), decision);
      const requester = await ctx.repos.users.byId(decided.userId);
      await audit(ctx, { req, action: 'join_request.decided', spaceId: decided.spaceId, target: { type: 'user', id: decided.userId, label: requester?.name ?? '' }, details: { decision } });
      res.json({ joinRequest: presentJoinRequest(decided, requester ?? undefined) });
    });
  }

  return r;
}
