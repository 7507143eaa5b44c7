/** Presence tracking with fake timers: one entry per user however many tabs, coalesced broadcasts. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPresence } from '../../server/realtime/presence';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('presence', () => {
  it('lists a user once across sockets and forgets them with their last socket', () => {
    const sent: unknown[] = [];
    const p = createPresence((spaceId, online) => sent.push({ spaceId, online }));
    p.join('s', 'sock1', { userId: 'u1', name: 'Ada' });
    expect(p.join('s', 'sock2', { userId: 'u1', name: 'Ada' })).toEqual([{ userId: 'u1', name: 'Ada' }]);
    expect(p.leave('s', 'sock1')).toBe(false);
    expect(p.leave('s', 'sock2')).toBe(true);
    expect(p.online('s')).toEqual([]);
    expect(p.spacesOf('sock1')).toEqual([]);
  });

  it('coalesces a burst of changes into one broadcast per interval', () => {
    const sent: { online: unknown[] }[] = [];
    const p = createPresence((_s, online) => sent.push({ online }));
    for (let i = 0; i < 50; i++) {
      p.join('s', `sock${i}`, { userId: `u${i}`, name: `T${i}` });
      p.changed('s');
    }
    expect(sent).toHaveLength(0);
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.online).toHaveLength(50);
  });

  it('removing a member drops all their sockets from that space only', () => {
    const p = createPresence(() => {});
    p.join('a', 'x1', { userId: 'u', name: 'U' });
    p.join('b', 'x1', { userId: 'u', name: 'U' });
    p.join('a', 'x2', { userId: 'u', name: 'U' });
    expect(p.removeUser('a', 'u').sort()).toEqual(['x1', 'x2']);
    expect(p.has('a', 'x1')).toBe(false);
    expect(p.has('b', 'x1')).toBe(true);
    p.close();
  });
});
