/** Presenters: stored records -> the public JSON shapes of shared/types. Nothing else shapes output. */
import { DEFAULT_GUEST_RIGHTS, type Invite, type JoinRequest, type Member, type PublicUser, type Space, type User } from '../shared/types';
import type { InviteRecord, JoinRequestRecord, MembershipRecord, SpaceRecord, UserRecord } from './repos';

export const presentUser = (u: UserRecord): User => ({ id: u._id, email: u.email, name: u.name });

export const presentPublicUser = (u: Pick<UserRecord, '_id' | 'name'> | null | undefined, id = ''): PublicUser =>
  u ? { id: u._id, name: u.name } : { id, name: 'Former member' };

export const presentSpace = (s: SpaceRecord, memberCount?: number): Space => ({
  id: s._id,
  name: s.name,
  kind: s.kind,
  description: s.description,
  visibility: s.visibility,
  guestRights: { ...DEFAULT_GUEST_RIGHTS, ...s.guestRights },
  currency: s.currency ?? 'USD',
  createdAt: s.createdAt.toISOString(),
  ...(memberCount !== undefined ? { memberCount } : {}),
});

export const presentMember = (m: MembershipRecord, u: UserRecord | undefined): Member => ({
  user: presentPublicUser(u, m.userId),
  role: m.role,
  joinedAt: m.joinedAt.toISOString(),
});

export const presentInvite = (i: InviteRecord): Invite => ({
  code: i._id,
  role: i.role,
  expiresAt: i.expiresAt.toISOString(),
  maxUses: i.maxUses,
  uses: i.uses,
  createdAt: i.createdAt.toISOString(),
  revoked: i.revokedAt !== null,
});

export const presentJoinRequest = (r: JoinRequestRecord, u: UserRecord | undefined): JoinRequest => ({
  id: r._id,
  spaceId: r.spaceId,
  user: presentPublicUser(u, r.userId),
  message: r.message,
  status: r.status,
  createdAt: r.createdAt.toISOString(),
});
