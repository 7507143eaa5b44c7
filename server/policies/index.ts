/**
 * Who may do what: the one place that decides. Routes, socket handlers and the collab upgrade ask
 * `can` / `authorize`; none re-implements a rule. The test in test/unit/policy.test.ts walks the whole
 * matrix of roles x actions.
 */
import type { GuestRights, Role, Visibility } from '../../shared/types';
import { authRequired, forbidden, notFound } from '../errors';

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
] as const;
export type Action = (typeof ACTIONS)[number];

type Who = Role | 'stranger-listed' | 'stranger-private' | 'anonymous';

const F: Who = 'facilitator';
const M: Who = 'member';
const G: Who = 'guest';
const EVERY_MEMBER = [F, M, G];

/** The matrix itself: the roles allowed each action. Strangers appear only where they are allowed. */
const RULES: Record<Action, readonly Who[]> = {
  'space.view': [...EVERY_MEMBER, 'stranger-listed'],
  'space.update': [F],
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
};

/** Actions guests may take only while the space's switch for them is on. */
const GUEST_SWITCHES: Partial<Record<Action, keyof GuestRights>> = {
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
 * Throws the right error when `actor` may not act: 401 when anonymous, 404 when the space is hidden
 * from them (a stranger to a private space must not learn it exists), 403 otherwise.
 */
export function authorize(actor: Actor, action: Action, space: SpaceRules): void {
  if (can(actor, action, space)) return;
  if (actor.userId === null) throw authRequired();
  if (!actor.role && !can(actor, 'space.view', space)) throw notFound('That space');
  if (actor.role === 'guest' && GUEST_SWITCHES[action] && RULES[action].includes('guest')) throw forbidden(GUEST_SWITCH_MESSAGES[GUEST_SWITCHES[action]!]);
  throw forbidden(FORBIDDEN_MESSAGES[action] ?? 'You do not have permission to do that.');
}

const GUEST_SWITCH_MESSAGES: Record<keyof GuestRights, string> = {
  chat: 'Guests can read the discussion of this space but not post in it.',
  sessions: 'Guests can follow the sessions of this space but not raise hands or vote.',
  comments: 'Guests can read the comments of this space but not post them.',
};

const FORBIDDEN_MESSAGES: Partial<Record<Action, string>> = {
  'docs.edit': 'Guests can read documents but not edit them.',
  'docs.create': 'Only facilitators and members can create documents.',
  'invites.create': 'Only facilitators can create invite links.',
  'members.changeRole': 'Only facilitators can change roles.',
  'members.remove': 'Only facilitators can remove members.',
  'joinRequests.create': 'You are already a member of this space.',
  'sessions.control': 'Only the facilitator or timekeeper can control the timer.',
  'comments.suggest': 'Only facilitators and members can suggest changes.',
  'comments.resolve': 'Only facilitators and members can resolve or reopen threads.',
  'suggestions.decide': 'Only facilitators and members can accept or reject suggestions.',
  'comments.moderate': 'Only facilitators can remove other people\'s comments.',
};

/**
 * The live-session timer rule (sessions feature): space facilitators may always control a session; the
 * members a session names as its facilitator or timekeeper may control that session while they are
 * still in the space.
 */
export function canControlSession(actor: Actor, space: SpaceRules, assigned: { facilitator: string | null; timekeeper: string | null }): boolean {
  if (can(actor, 'sessions.control', space)) return true;
  // Guests never run a session, even if an older record names one (the roles API refuses that now).
  if (actor.userId === null || !actor.role || actor.role === 'guest') return false;
  return actor.userId === assigned.facilitator || actor.userId === assigned.timekeeper;
}

/** Throws the same errors as `authorize(actor, 'sessions.control', ...)` unless `canControlSession` allows. */
export function authorizeSessionControl(actor: Actor, space: SpaceRules, assigned: { facilitator: string | null; timekeeper: string | null }): void {
  if (canControlSession(actor, space, assigned)) return;
  authorize(actor, 'sessions.control', space);
}
