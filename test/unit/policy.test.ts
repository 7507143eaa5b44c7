/**
 * The policy matrix: every action x every kind of caller, against a table written out here by hand
 * (never derived from the module), so a changed rule fails until this table is changed on purpose.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors';
import { ACTIONS, authorize, can, canControlSession, type Action, type Actor } from '../../server/policies';
import { canInLibrary, canWithdrawPublication } from '../../shared/policy';
import type { Visibility } from '../../shared/types';

type Outcome = 'allow' | 401 | 403 | 404;
const Y: Outcome = 'allow';
const N: Outcome = 403; // a member or a stranger to a listed space is told "forbidden"
const H: Outcome = 404; // a stranger to a private space must not learn it exists
const A: Outcome = 401; // anonymous callers are asked to log in

// Columns: facilitator, member, guest, stranger (listed space), stranger (private space), anonymous.
const EXPECTED: Record<string, [Outcome, Outcome, Outcome, Outcome, Outcome, Outcome]> = {
  'space.view': [Y, Y, Y, Y, H, A],
  'space.update': [Y, N, N, N, H, A],
  'space.export': [Y, N, N, N, H, A],
  'space.delete': [Y, N, N, N, H, A],
  'members.list': [Y, Y, Y, N, H, A],
  'members.changeRole': [Y, N, N, N, H, A],
  'members.remove': [Y, N, N, N, H, A],
  'space.leave': [Y, Y, Y, N, H, A],
  'invites.create': [Y, N, N, N, H, A],
  'invites.list': [Y, N, N, N, H, A],
  'invites.revoke': [Y, N, N, N, H, A],
  'joinRequests.create': [N, N, N, Y, H, A],
  'joinRequests.list': [Y, N, N, N, H, A],
  'joinRequests.decide': [Y, N, N, N, H, A],
  'docs.list': [Y, Y, Y, N, H, A],
  'docs.read': [Y, Y, Y, N, H, A],
  'docs.create': [Y, Y, N, N, H, A],
  'docs.edit': [Y, Y, N, N, H, A],
  'docs.manage': [Y, Y, N, N, H, A],
  'channels.read': [Y, Y, Y, N, H, A],
  'channels.manage': [Y, N, N, N, H, A],
  'chat.send': [Y, Y, Y, N, H, A],
  'messages.moderate': [Y, N, N, N, H, A],
  'sessions.create': [Y, N, N, N, H, A],
  'sessions.view': [Y, Y, Y, N, H, A],
  'sessions.participate': [Y, Y, Y, N, H, A],
  'sessions.control': [Y, N, N, N, H, A],
  'actionItems.manage': [Y, Y, N, N, H, A],
  'comments.post': [Y, Y, Y, N, H, A],
  'comments.suggest': [Y, Y, N, N, H, A],
  'comments.resolve': [Y, Y, N, N, H, A],
  'suggestions.decide': [Y, Y, N, N, H, A],
  'comments.moderate': [Y, N, N, N, H, A],
  'library.publish': [Y, Y, N, N, H, A],
  'library.checkStudentInfo': [Y, Y, N, N, H, A],
  'library.withdraw': [Y, N, N, N, H, A],
  'library.moderate': [Y, N, N, N, H, A],
  'library.namesToWatch': [Y, N, N, N, H, A],
};

interface Caller {
  label: string;
  actor: Actor;
  /** Visibilities the caller is tested in (a member's rights must not depend on visibility). */
  visibilities: Visibility[];
}

const CALLERS: Caller[] = [
  { label: 'facilitator', actor: { userId: 'u1', role: 'facilitator' }, visibilities: ['private', 'listed'] },
  { label: 'member', actor: { userId: 'u2', role: 'member' }, visibilities: ['private', 'listed'] },
  { label: 'guest', actor: { userId: 'u3', role: 'guest' }, visibilities: ['private', 'listed'] },
  { label: 'stranger to a listed space', actor: { userId: 'u4', role: null }, visibilities: ['listed'] },
  { label: 'stranger to a private space', actor: { userId: 'u5', role: null }, visibilities: ['private'] },
  { label: 'anonymous', actor: { userId: null, role: null }, visibilities: ['private', 'listed'] },
];

const CODE_OF: Record<number, string> = { 401: 'authentication_required', 403: 'forbidden', 404: 'not_found' };

function outcome(actor: Actor, action: Action, visibility: Visibility): Outcome {
  try {
    authorize(actor, action, { visibility });
    return 'allow';
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e.code).toBe(CODE_OF[e.status]);
    return e.status as Outcome;
  }
}

describe('policy matrix', () => {
  it('the table above covers exactly the actions the module defines', () => {
    // A new action must be added to EXPECTED with a decision for every caller.
    expect([...ACTIONS].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const action of ACTIONS) {
    describe(action, () => {
      CALLERS.forEach((caller, col) => {
        for (const visibility of caller.visibilities) {
          const expected = EXPECTED[action]?.[col];
          it(`${caller.label} (${visibility} space): ${expected}`, () => {
            expect(expected, `no expectation written for ${action}`).toBeDefined();
            expect(outcome(caller.actor, action, visibility)).toBe(expected);
            expect(can(caller.actor, action, { visibility })).toBe(expected === 'allow');
          });
        }
      });
    });
  }

  it('guests are told plainly why they cannot edit', () => {
    expect(() => authorize({ userId: 'g', role: 'guest' }, 'docs.edit', { visibility: 'private' })).toThrow(/Guests can read documents/);
  });
});

describe('guest rights switched per space', () => {
  const guest: Actor = { userId: 'g', role: 'guest' };
  // Actions a switch governs, and every other action, for a guest in a space with both switches off.
  const switched: Record<string, RegExp> = { 'chat.send': /not post/, 'sessions.participate': /not raise hands or vote/ };
  const off = { visibility: 'private' as const, guestRights: { chat: false, sessions: false } };

  it('a switched-off right is forbidden to guests, with the reason', () => {
    for (const [action, message] of Object.entries(switched)) {
      expect(can(guest, action as Action, off)).toBe(false);
      expect(() => authorize(guest, action as Action, off)).toThrow(message);
      expect(outcome(guest, action as Action, 'private')).toBe('allow'); // without switches: allowed
    }
  });

  it('each switch governs only its own action, and only guests', () => {
    expect(can(guest, 'chat.send', { visibility: 'private', guestRights: { sessions: false } })).toBe(true);
    expect(can(guest, 'sessions.participate', { visibility: 'private', guestRights: { chat: false } })).toBe(true);
    for (const action of ACTIONS) {
      if (switched[action]) continue;
      expect(can(guest, action, off), action).toBe(can(guest, action, { visibility: 'private' }));
    }
    for (const role of ['facilitator', 'member'] as const) {
      expect(can({ userId: 'x', role }, 'chat.send', off)).toBe(true);
      expect(can({ userId: 'x', role }, 'sessions.participate', off)).toBe(true);
    }
  });
});

describe('who controls a live session', () => {
  const rules = { visibility: 'private' as const };
  const roles = (id: string) => ({ facilitator: null, timekeeper: id });
  it('space facilitators always; a member the session names; never a guest, even if named', () => {
    expect(canControlSession({ userId: 'f', role: 'facilitator' }, rules, { facilitator: null, timekeeper: null })).toBe(true);
    expect(canControlSession({ userId: 'm', role: 'member' }, rules, roles('m'))).toBe(true);
    expect(canControlSession({ userId: 'm', role: 'member' }, rules, roles('other'))).toBe(false);
    expect(canControlSession({ userId: 'g', role: 'guest' }, rules, roles('g'))).toBe(false);
    expect(canControlSession({ userId: 'g', role: 'guest' }, rules, { facilitator: 'g', timekeeper: null })).toBe(false);
    expect(canControlSession({ userId: 'x', role: null }, rules, roles('x'))).toBe(false);
  });
});

describe('the library outside spaces', () => {
  const anon: Actor = { userId: null, role: null };
  const someone: Actor = { userId: 's', role: null };
  it('signed-in teachers read, review and use any publication; anonymous callers only read public ones', () => {
    for (const action of ['library.read', 'library.review', 'library.use'] as const) {
      expect(canInLibrary(someone, action, { visibility: 'signed-in' })).toBe(true);
      expect(canInLibrary(anon, action, { visibility: 'signed-in' })).toBe(false);
      expect(canInLibrary(anon, action, { visibility: 'public' })).toBe(action === 'library.read');
    }
  });
  it('withdrawing: credited authors and the publishing space\'s facilitators, nobody else', () => {
    const rules = { visibility: 'private' as const };
    expect(canWithdrawPublication({ userId: 'a', role: null }, rules, ['a'])).toBe(true);
    expect(canWithdrawPublication({ userId: 'f', role: 'facilitator' }, rules, ['a'])).toBe(true);
    expect(canWithdrawPublication({ userId: 'm', role: 'member' }, rules, ['a'])).toBe(false);
    expect(canWithdrawPublication({ userId: 'g', role: 'guest' }, rules, ['a'])).toBe(false);
    expect(canWithdrawPublication(anon, rules, ['a'])).toBe(false);
  });
});
