/** The one rate limiter (server/limits.ts) with fake time: steady rate, burst, retry hints, reward and reset. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../server/errors';
import { createLimiter } from '../../server/limits';

beforeEach(() => vi.useFakeTimers({ now: new Date('2026-11-30T08:00:00Z') }));
afterEach(() => vi.useRealTimers());

describe('createLimiter', () => {
  it('allows `points` per window per key, then refuses until the window ends', async () => {
    const l = createLimiter({ name: 't1', points: 3, duration: 10 });
    for (let i = 0; i < 3; i++) expect(await l.consume('u')).toBe(true);
    expect(await l.consume('u')).toBe(false);
    expect(await l.consume('other')).toBe(true);
    vi.advanceTimersByTime(9_000);
    expect(await l.hit('u')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    vi.advanceTimersByTime(1_001);
    expect(await l.consume('u')).toBe(true);
  });

  it('a burst on top of a steady rate: `burst` extra at once, then the steady rate again', async () => {
    const l = createLimiter({ name: 't2', points: 1, duration: 1, burst: { points: 2, duration: 10 } });
    expect(await l.consume('u')).toBe(true);
    expect(await l.consume('u')).toBe(true);
    expect(await l.consume('u')).toBe(true);
    expect(await l.consume('u')).toBe(false);
    vi.advanceTimersByTime(1_001);
    expect(await l.consume('u')).toBe(true); // the steady point came back; the burst has not
    expect(await l.consume('u')).toBe(false);
    vi.advanceTimersByTime(10_000);
    for (let i = 0; i < 3; i++) expect(await l.consume('u')).toBe(true);
    expect(await l.consume('u')).toBe(false);
  });

  it('enforce throws rate_limited with a retry hint in seconds, and the message', async () => {
    const l = createLimiter({ name: 't3', points: 1, duration: 5, message: 'Slow down.' });
    await l.enforce('u');
    const err = await l.enforce('u').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('rate_limited');
    expect((err as AppError).message).toBe('Slow down. Please wait 5 seconds and try again.');
    expect((err as AppError).details).toEqual({ retryAfterSeconds: 5 });
  });

  it('follows a moved app clock: moving it past the window opens a new one, a frozen one does not', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const l = createLimiter({ name: 't5', points: 1, duration: 2 }, { now: () => clock });
    expect(await l.consume('u')).toBe(true);
    expect(await l.consume('u')).toBe(false);
    clock += 1_000;
    expect(await l.consume('u')).toBe(false);
    clock += 1_000;
    expect(await l.consume('u')).toBe(true);
    expect(await l.consume('u')).toBe(false);
  });

  it('reward gives a point back; reset forgets the key', async () => {
    const l = createLimiter({ name: 't4', points: 2, duration: 60 });
    await l.consume('u');
    await l.consume('u');
    expect(await l.consume('u')).toBe(false);
    await l.reward('u', 2);
    expect(await l.consume('u')).toBe(true);
    await l.consume('u');
    await l.reset('u');
    expect(await l.consume('u')).toBe(true);
  });
});
