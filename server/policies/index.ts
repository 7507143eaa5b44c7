/**
 * Who may do what, server side. The table and `can()` live in shared/policy.ts, which the client reads
 * too; this module adds what only the server does with them: turning a refusal into the right error.
 * Routes, socket handlers and the collab upgrade ask `can` / `authorize`; none re-implements a rule. The
 * test in test/unit/policy.test.ts walks the whole matrix of roles x actions.
 */
import { can, canControlSession, guestSwitchOff, type Action, type Actor, type SpaceRules } from '../../shared/policy';
import type { GuestRights } from '../../shared/types';
import { authRequired, forbidden, notFound } from '../errors';

export { ACTIONS, can, canControlSession, type Action, type Actor, type SpaceRules } from '../../shared/policy';

/**
 * Throws the right error when `actor` may not act: 401 when anonymous, 404 when the space is hidden
 * from them (a stranger to a private space must not learn it exists), 403 otherwise.
 */
export function authorize(actor: Actor, action: Action, space: SpaceRules): void {
  if (can(actor, action, space)) return;
  if (actor.userId === null) throw authRequired();
  if (!actor.role && !can(actor, 'space.view', space)) throw notFound('That space');
  const sw = guestSwitchOff(actor, action, space);
  if (sw) throw forbidden(GUEST_SWITCH_MESSAGES[sw]);
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
  'space.export': 'Only facilitators can export the space.',
  'space.delete': 'Only facilitators can delete the space.',
  'members.changeRole': 'Only facilitators can change roles.',
  'members.remove': 'Only facilitators can remove members.',
  'joinRequests.create': 'You are already a member of this space.',
  'sessions.control': 'Only the facilitator or timekeeper can control the timer.',
  'comments.suggest': 'Only facilitators and members can suggest changes.',
  'comments.resolve': 'Only facilitators and members can resolve or reopen threads.',
  'suggestions.decide': 'Only facilitators and members can accept or reject suggestions.',
  'comments.moderate': 'Only facilitators can remove other people\'s comments.',
  'library.publish': 'Only facilitators and members can publish from this space.',
  'library.withdraw': 'Only the credited authors and the space\'s facilitators can withdraw this publication.',
  'library.moderate': 'Only the publishing space\'s facilitators can moderate reviews.',
  'library.namesToWatch': 'Only facilitators can keep the names to watch.',
};

/** Throws the same errors as `authorize(actor, 'sessions.control', ...)` unless `canControlSession` allows. */
export function authorizeSessionControl(actor: Actor, space: SpaceRules, assigned: { facilitator: string | null; timekeeper: string | null }): void {
  if (canControlSession(actor, space, assigned)) return;
  authorize(actor, 'sessions.control', space);
}
