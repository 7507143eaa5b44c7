/**
 * Who may do what: the one role/rights table, read by both ends. The server's `can()` / `authorize()`
 * (server/policies) decide every request with it; the client asks the same functions which buttons to
 * show, so a rule changed here changes both. Nothing else compares role names (a unit test greps the
 * client for that). The inputs are the caller's role and the space's own settings: its visibility and
 * the switches its facilitators set for guests ("What guests may do").
 */
import { GUEST_SESSION_ROLES, type SessionRoleKey } from './sessions';
import type { GuestRights, Role, Visibility } from './types';

/** What the policy reads of a space: its visibility and the switches facilitators set for guests. */
export interface SpaceRules {
  visibility: Visibility;
  /** Missing switches mean allowed. */
  guestRights?: Partial<GuestRights>;
}

/** Who is asking, relative to one space: anonymous, a signed-in stranger (role null) or a member. */
export type Actor = { userId: null; role: null } | { userId: string; role: Role | null };

export const ACTIONS = [
  'space.view',
  'space.update',
  'space.export',
  'space.delete',
  'members.list',
  'members.changeRole',
  'members.remove',
  'space.leave',
  'invites.create',
  'invites.list',
  'invites.revoke',
  'joinRequests.create',
  'joinRequests.list',
  'joinRequests.decide',
  'docs.list',
  'docs.read',
  'docs.create',
  'docs.edit',
  'docs.manage',
  'channels.read',
  'channels.manage',
  'chat.send',
  'messages.moderate',
  'sessions.create',
  'sessions.view',
  'sessions.participate',
  'sessions.control',
  'actionItems.manage',
  'comments.post',
  'comments.suggest',
  'comments.resolve',
  'suggestions.decide',
  'comments.moderate',
  'library.publish',
  'library.checkStudentInfo',
  'library.withdraw',
  'library.moderate',
  'library.namesToWatch',
] as const;
export type Action = (typeof ACTIONS)[number];

type Who = Role | 'stranger-listed' | 'stranger-private' | 'anonymous';

const F: Who = 'facilitator';
const M: Who = 'member';
const G: Who = 'guest';
const EVERY_MEMBER = [F, M, G];

/** The matrix itself: the roles allowed each action. Strangers appear only where they are allowed. */
const RULES: Readonly<Record<Action, readonly Who[]>> = {
  'space.view': [...EVERY_MEMBER, 'stranger-listed'],
  'space.update': [F],
  // Taking all of a space's data away, or deleting it (restorable for 30 days): those who run it.
  'space.export': [F],
  'space.delete': [F],
  'members.list': EVERY_MEMBER,
  'members.changeRole': [F],
  'members.remove': [F],
  'space.leave': EVERY_MEMBER,
  'invites.create': [F],
  'invites.list': [F],
  'invites.revoke': [F],
  'joinRequests.create': ['stranger-listed'],
  'joinRequests.list': [F],
  'joinRequests.decide': [F],
  'docs.list': EVERY_MEMBER,
  'docs.read': EVERY_MEMBER,
  'docs.create': [F, M],
  'docs.edit': [F, M],
  'docs.manage': [F, M],
  'channels.read': EVERY_MEMBER,
  'channels.manage': [F],
  'chat.send': EVERY_MEMBER,
  'messages.moderate': [F],
  'sessions.create': [F],
  'sessions.view': EVERY_MEMBER,
  'sessions.participate': EVERY_MEMBER,
  'sessions.control': [F],
  'actionItems.manage': [F, M],
  'comments.post': EVERY_MEMBER,
  'comments.suggest': [F, M],
  'comments.resolve': [F, M],
  'suggestions.decide': [F, M],
  'comments.moderate': [F],
  // Library actions read the PUBLISHING space: members publish from it, its facilitators withdraw any of
  // its publications (credited authors too: canWithdrawPublication), moderate reviews and keep the roster.
  'library.publish': [F, M],
  'library.checkStudentInfo': [F, M],
  'library.withdraw': [F],
  'library.moderate': [F],
  'library.namesToWatch': [F],
};

/** Actions guests may take only while the space's switch for them is on. */
const GUEST_SWITCHES: Readonly<Partial<Record<Action, keyof GuestRights>>> = {
  'chat.send': 'chat',
  'sessions.participate': 'sessions',
  'comments.post': 'comments',
};

function who(actor: Actor, visibility: Visibility): Who {
  if (actor.userId === null) return 'anonymous';
  if (actor.role) return actor.role;
  return visibility === 'listed' ? 'stranger-listed' : 'stranger-private';
}

/** True when `actor` may perform `action` in `space`. */
export function can(actor: Actor, action: Action, space: SpaceRules): boolean {
  const w = who(actor, space.visibility);
  if (w === 'guest') {
    const sw = GUEST_SWITCHES[action];
    if (sw && space.guestRights?.[sw] === false) return false;
  }
  return RULES[action].includes(w);
}

/**
 * The space's guest switch that alone stops `actor` taking `action` (a guest, an action guests may take,
 * that switch off), or null: the reason the client shows and the server's error names.
 */
export function guestSwitchOff(actor: Actor, action: Action, space: SpaceRules): keyof GuestRights | null {
  const sw = GUEST_SWITCHES[action];
  if (!sw || who(actor, space.visibility) !== 'guest' || !RULES[action].includes('guest')) return null;
  return space.guestRights?.[sw] === false ? sw : null;
}

/**
 * Whether a member with space role `role` may be named to session role `key`. Facilitator and
 * timekeeper run the session and the note-taker writes its notes, which guests may not do; a guest may
 * keep the norms (GUEST_SESSION_ROLES).
 */
export function mayHoldSessionRole(role: Role, key: SessionRoleKey): boolean {
  return role !== 'guest' || GUEST_SESSION_ROLES.includes(key);
}

/** Whether some session roles are closed to `role` (the people pickers say so beside the name). */
export function limitedInSessions(role: Role): boolean {
  return !mayHoldSessionRole(role, 'facilitator');
}

/**
 * The live-session timer rule (sessions feature): space facilitators may always control a session; the
 * members a session names as its facilitator or timekeeper may control that session while they are
 * still in the space.
 */
export function canControlSession(actor: Actor, space: SpaceRules, assigned: { facilitator: string | null; timekeeper: string | null }): boolean {
  if (can(actor, 'sessions.control', space)) return true;
  if (actor.userId === null || !actor.role) return false;
  const role = actor.role;
  // Guests never run a session, even if an older record names one (the roles API refuses that now).
  return (['facilitator', 'timekeeper'] as const).some((key) => assigned[key] === actor.userId && mayHoldSessionRole(role, key));
}

/** Library actions that belong to no space: reading the commons and talking about what is in it. */
export type LibraryAction = 'library.read' | 'library.review' | 'library.use';

/**
 * The library outside any space: every signed-in teacher (guests included) reads, reviews and marks
 * "I used this"; anonymous callers may only read publications marked public on the web.
 */
export function canInLibrary(actor: Actor, action: LibraryAction, publication: { visibility: 'signed-in' | 'public' }): boolean {
  if (actor.userId !== null) return true;
  return action === 'library.read' && publication.visibility === 'public';
}

/** Withdrawing a publication: its credited authors, and facilitators of the space it was published from. */
export function canWithdrawPublication(actor: Actor, space: SpaceRules, authorIds: readonly string[]): boolean {
  if (actor.userId !== null && authorIds.includes(actor.userId)) return true;
  return can(actor, 'library.withdraw', space);
}
