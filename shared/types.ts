import type { BudgetCurrency } from './budget';
/** Public shapes returned by the API; the server's presenters produce exactly these. */
export const SPACE_KINDS = ['plc', 'school-team', 'lab'] as const;
export type SpaceKind = (typeof SPACE_KINDS)[number];

export const ROLES = ['facilitator', 'member', 'guest'] as const;
export type Role = (typeof ROLES)[number];

export const VISIBILITIES = ['private', 'listed'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export interface User {
  id: string;
  email: string;
  name: string;
}

export interface PublicUser {
  id: string;
  name: string;
}

/** What guests of a space may do beyond reading (facilitators switch these per space). */
export interface GuestRights {
  /** Post, reply and react in the space's discussion. */
  chat: boolean;
  /** Raise a hand and vote in live sessions. */
  sessions: boolean;
  /** Comment on documents and reply to comments (never suggest or accept changes). */
  comments: boolean;
}
export const DEFAULT_GUEST_RIGHTS: GuestRights = { chat: true, sessions: true, comments: true };

export interface Space {
  id: string;
  name: string;
  kind: SpaceKind;
  description: string;
  visibility: Visibility;
  guestRights: GuestRights;
  /** The currency the space's budgets show money in (default USD). */
  currency: BudgetCurrency;
  createdAt: string;
  memberCount?: number;
}

export interface SpaceWithRole extends Space {
  role: Role;
}

export interface Member {
  user: PublicUser;
  role: Role;
  joinedAt: string;
}

export interface Invite {
  code: string;
  role: Role;
  expiresAt: string;
  maxUses: number | null;
  uses: number;
  createdAt: string;
  revoked: boolean;
}

export interface InvitePreview {
  role: Role;
  expiresAt: string;
  status: 'valid' | 'expired' | 'used_up' | 'revoked';
  space: { id: string; name: string; kind: SpaceKind };
}

export interface DirectoryEntry extends Space {
  memberCount: number;
  myRole: Role | null;
  pendingRequest: boolean;
}

export type JoinRequestStatus = 'pending' | 'approved' | 'declined';

export interface JoinRequest {
  id: string;
  spaceId: string;
  user: PublicUser;
  message: string;
  status: JoinRequestStatus;
  createdAt: string;
}

export const SPACE_KIND_LABELS: Record<SpaceKind, string> = {
  plc: 'Professional learning community',
  'school-team': 'School team',
  lab: 'Cross-district lab',
};

export const ROLE_LABELS: Record<Role, string> = {
  facilitator: 'Facilitator',
  member: 'Member',
  guest: 'Guest',
};

/** The name shown for someone whose account was deleted, wherever what they wrote still appears. */
export const FORMER_MEMBER = 'Former member';
