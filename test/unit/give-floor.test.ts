/** giveFloor: after a fist to five, whoever showed fewer than three fingers speaks first. */
import { describe, expect, it } from 'vitest';
import { giveFloor } from '../../server/sessions/live';

const hand = (userId: string, raisedAt = 1) => ({ userId, name: userId.toUpperCase(), raisedAt });

describe('giveFloor', () => {
  it('puts the under-three voters first, fewest fingers first, then the hands already raised', () => {
    const out = giveFloor([hand('ann'), hand('bo')], [
      { userId: 'cy', name: 'CY', value: 2 },
      { userId: 'di', name: 'DI', value: 0 },
    ], 99);
    expect(out.map((h) => h.userId)).toEqual(['di', 'cy', 'ann', 'bo']);
    expect(out[0]).toEqual({ userId: 'di', name: 'DI', raisedAt: 99 });
  });

  it('moves someone already in the queue up instead of adding them twice, keeping when they raised it', () => {
    const out = giveFloor([hand('ann', 5), hand('bo', 7)], [{ userId: 'bo', name: 'BO', value: 1 }], 99);
    expect(out).toEqual([hand('bo', 7), hand('ann', 5)]);
  });

  it('a vote without anyone under three leaves the queue as it was', () => {
    const hands = [hand('ann')];
    expect(giveFloor(hands, [], 99)).toBe(hands);
  });
});
