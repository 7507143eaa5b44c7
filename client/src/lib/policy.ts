/**
 * The client's question to the shared role/rights table (shared/policy.ts): may the viewer, holding
 * `role` in a space, take `action` there? Buttons and forms ask this instead of comparing role names, so
 * they show exactly what the server will allow. The viewer of a space page is always signed in.
 */
import { can, guestSwitchOff, type Action, type Actor, type SpaceRules } from '../../../shared/policy';
import type { Role } from '../../../shared/types';

/** The space settings the table reads; unknown settings count as the most closed (a private space, switches on). */
export type SpaceSettings = Partial<SpaceRules> | null | undefined;

function viewer(role: Role | null): Actor {
  // Only "anonymous or not" matters to the table, never who: a placeholder id says "signed in".
  return { userId: 'viewer', role };
}

function rules(space: SpaceSettings): SpaceRules {
  return { visibility: space?.visibility ?? 'private', guestRights: space?.guestRights };
}

/** Whether a signed-in viewer with `role` (null: not a member) may take `action` in `space`. */
export function may(role: Role | null, action: Action, space?: SpaceSettings): boolean {
  return can(viewer(role), action, rules(space));
}

/** Whether `action` is closed to the viewer only because the space switched it off for guests. */
export function closedToGuests(role: Role | null, action: Action, space?: SpaceSettings): boolean {
  return guestSwitchOff(viewer(role), action, rules(space)) !== null;
}
