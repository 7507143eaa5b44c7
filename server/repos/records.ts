/** Stored record shapes (what the store holds); presenters turn them into the public shapes in shared/types. */
import type { BudgetCurrency } from '../../shared/budget';
import type { GuestRights, JoinRequestStatus, Role, SpaceKind, Visibility } from '../../shared/types';

export interface UserRecord {
  _id: string;
  email: string;
  name: string;
  /** Names the user went by before a rename, latest last (at most 5): "@Old Name" in a message still finds them. */
  formerNames?: string[];
  passwordHash: string;
  createdAt: Date;
  /** Set by an administrator: the account cannot sign in until enabled again. */
  disabledAt?: Date | null;
}

export interface LoginRecord {
  _id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface SpaceRecord {
  _id: string;
  name: string;
  nameLower: string;
  kind: SpaceKind;
  description: string;
  visibility: Visibility;
  /** Absent on spaces created before guest rights existed: everything allowed (DEFAULT_GUEST_RIGHTS). */
  guestRights?: Partial<GuestRights>;
  /** The currency its budgets show money in (absent: USD). */
  currency?: BudgetCurrency;
  createdBy: string;
  createdAt: Date;
  /**
   * Set while the space is being created (server/commands/atomic.ts): it has no facilitator or `general`
   * channel yet, so every reader skips it; cleared by the last step, or by the repair at start.
   */
  creating?: Date;
  /** Set while the space is deleted (hidden, access refused) and restorable; erased 30 days later. */
  deletedAt?: Date | null;
  deletedBy?: string | null;
}

export interface MembershipRecord {
  _id: string;
  spaceId: string;
  userId: string;
  role: Role;
  joinedAt: Date;
}

export interface InviteRecord {
  _id: string;
  spaceId: string;
  role: Role;
  maxUses: number | null;
  uses: number;
  expiresAt: Date;
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
  /** Users who took a seat and whose membership is being written; each is removed once it is (server/commands/atomic.ts). */
  joining?: string[];
}

export interface JoinRequestRecord {
  _id: string;
  spaceId: string;
  userId: string;
  message: string;
  status: JoinRequestStatus;
  createdAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  /** A facilitator's approval in progress (server/commands/atomic.ts): the request stays pending, and cannot be declined, until the membership exists. */
  approving?: { by: string; at: Date };
}
