/**
 * The client asks the same table the server enforces: for every role (and a non-member), every space
 * setting the table reads (visibility, each guest switch on, off or unset) and every action, the
 * client's `may()` answers exactly what the server's `can()` and `authorize()` decide. A button shown
 * for a request the server would refuse (or hidden for one it would allow) fails here.
 */
import { describe, expect, it } from 'vitest';
import { closedToGuests, may } from '../../client/src/lib/policy';
import { ACTIONS, authorize, can, type SpaceRules } from '../../server/policies';
import { limitedInSessions, mayHoldSessionRole } from '../../shared/policy';
import { SESSION_ROLE_KEYS } from '../../shared/sessions';
import { ROLES, VISIBILITIES, type GuestRights, type Role } from '../../shared/types';

const SWITCH_VALUES = [undefined, true, false] as const;

/** Every space the table can be asked about: each visibility x each state of each guest switch. */
function everySpace(): SpaceRules[] {
  const spaces: SpaceRules[] = [];
  for (const visibility of VISIBILITIES) {
    spaces.push({ visibility });
    for (const chat of SWITCH_VALUES) {
      for (const sessions of SWITCH_VALUES) {
        const guestRights: Partial<GuestRights> = {};
        if (chat !== undefined) guestRights.chat = chat;
        if (sessions !== undefined) guestRights.sessions = sessions;
        spaces.push({ visibility, guestRights });
      }
    }
  }
  return spaces;
}

function serverAllows(role: Role | null, action: (typeof ACTIONS)[number], space: SpaceRules): boolean {
  try {
    authorize({ userId: 'someone', role }, action, space);
    return true;
  } catch {
    return false;
  }
}

const VIEWERS: (Role | null)[] = [...ROLES, null];

describe('client and server agree on the whole policy matrix', () => {
  const spaces = everySpace();

  for (const role of VIEWERS) {
    it(`${role ?? 'a signed-in non-member'}: every action in every kind of space`, () => {
      let checked = 0;
      for (const space of spaces) {
        for (const action of ACTIONS) {
          const where = `${action} in ${JSON.stringify(space)}`;
          expect(may(role, action, space), where).toBe(can({ userId: 'someone', role }, action, space));
          expect(may(role, action, space), where).toBe(serverAllows(role, action, space));
          checked++;
        }
      }
      expect(checked).toBe(spaces.length * ACTIONS.length);
    });
  }

  it('"closed to guests" is exactly: a guest switch turns off what the role could otherwise do', () => {
    for (const role of VIEWERS) {
      for (const space of everySpace()) {
        for (const action of ACTIONS) {
          const withoutSwitches = can({ userId: 'someone', role }, action, { visibility: space.visibility });
          const expected = withoutSwitches && !can({ userId: 'someone', role }, action, space);
          expect(closedToGuests(role, action, space), `${role} ${action} ${JSON.stringify(space)}`).toBe(expected);
        }
      }
    }
    // The chat page's "read only" notice: guests of a space that switched their posting off, nobody else.
    const off = { visibility: 'private' as const, guestRights: { chat: false } };
    expect(closedToGuests('guest', 'chat.send', off)).toBe(true);
    expect(closedToGuests('member', 'chat.send', off)).toBe(false);
    expect(closedToGuests('guest', 'docs.edit', off)).toBe(false);
  });

  it('without the space settings the client assumes the most closed space, never more rights', () => {
    expect(may(null, 'space.view')).toBe(false);
    expect(may(null, 'joinRequests.create')).toBe(false);
    expect(may(null, 'joinRequests.create', { visibility: 'listed' })).toBe(true);
    expect(may('guest', 'chat.send')).toBe(true);
    expect(may('guest', 'chat.send', { guestRights: { chat: false } })).toBe(false);
  });
});

describe('who may be named to a session role', () => {
  // Written out by hand: guests keep the norms only; facilitators and members may hold any role.
  const EXPECTED: Record<Role, Record<(typeof SESSION_ROLE_KEYS)[number], boolean>> = {
    facilitator: { facilitator: true, timekeeper: true, noteTaker: true, normKeeper: true },
    member: { facilitator: true, timekeeper: true, noteTaker: true, normKeeper: true },
    guest: { facilitator: false, timekeeper: false, noteTaker: false, normKeeper: true },
  };

  it('matches the table, and the pickers mark exactly the limited roles', () => {
    for (const role of ROLES) {
      for (const key of SESSION_ROLE_KEYS) expect(mayHoldSessionRole(role, key), `${role} as ${key}`).toBe(EXPECTED[role][key]);
      expect(limitedInSessions(role)).toBe(Object.values(EXPECTED[role]).includes(false));
    }
  });
});
