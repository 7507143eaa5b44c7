/** Suggested meeting roles for the next session of a series: each role moves on to the next person. */
import { SESSION_ROLE_KEYS, type SessionRoles } from '../../shared/sessions';

/** Roles with nobody assigned. */
export const emptyRoles = (): SessionRoles => ({ facilitator: null, timekeeper: null, noteTaker: null, normKeeper: null });

/**
 * Rotates `previous` through `people` (in a stable order, e.g. by join date): whoever held a role last
 * time hands it to the next person in the list, wrapping around. A role nobody held, or held by someone
 * no longer in the list, goes to the person at the role's own position so that roles start spread out.
 * With no previous roles the first people in the list get the roles in order.
 */
export function suggestRotation(previous: SessionRoles | null, people: string[]): SessionRoles {
  const out = emptyRoles();
  const n = people.length;
  if (n === 0) return out;
  SESSION_ROLE_KEYS.forEach((key, i) => {
    const holder = previous?.[key] ?? null;
    const at = holder === null ? -1 : people.indexOf(holder);
    out[key] = at >= 0 ? people[(at + 1) % n]! : people[(i + (previous ? 1 : 0)) % n]!;
  });
  return out;
}
