/** The embedded store's group commit: writers share flushes, and none is released by a flush that began before it. */
import { describe, expect, it } from 'vitest';
import { groupCommit } from '../../server/store/embedded';

/** A flush whose completion the test controls; records when each one started. */
function controlledFlush() {
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  let started = 0;
  const flush = () =>
    new Promise<void>((resolve, reject) => {
      started++;
      pending.push({ resolve, reject });
    });
  return { flush, pending, started: () => started };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('groupCommit', () => {
  it('one flush when idle; callers during a flush share exactly one more', async () => {
    const f = controlledFlush();
    const sync = groupCommit(f.flush);
    const done: string[] = [];
    const a = sync().then(() => done.push('a'));
    expect(f.started()).toBe(1);
    const later = [1, 2, 3, 4, 5].map((i) => sync().then(() => done.push(`w${i}`)));
    await tick();
    expect(f.started()).toBe(1); // nobody flushes twice at once

    f.pending[0]!.resolve();
    await a;
    await tick();
    expect(done).toEqual(['a']); // the writers that came during flush 1 wait for flush 2
    expect(f.started()).toBe(2);

    f.pending[1]!.resolve();
    await Promise.all(later);
    expect(done.sort()).toEqual(['a', 'w1', 'w2', 'w3', 'w4', 'w5']);
    expect(f.started()).toBe(2);

    // Idle again: the next caller starts a fresh flush at once.
    const b = sync();
    expect(f.started()).toBe(3);
    f.pending[2]!.resolve();
    await b;
  });

  it('a failed flush rejects its callers; the next callers still get a flush of their own', async () => {
    const f = controlledFlush();
    const sync = groupCommit(f.flush);
    const first = sync();
    const second = sync();
    f.pending[0]!.reject(new Error('disk full'));
    await expect(first).rejects.toThrow('disk full');
    await tick();
    expect(f.started()).toBe(2);
    f.pending[1]!.resolve();
    await expect(second).resolves.toBeUndefined();
  });
});
