/**
 * The pure parts of live sessions: the timer state machine (deadlines, pauses, extensions, the step log),
 * the role rotation, the per-session queue and the Markdown escaping.
 */
import { describe, expect, it } from 'vitest';
import type { SessionStep } from '../../shared/sessions';
import { AppError } from '../../server/errors';
import { createKeyedQueue } from '../../server/sessions/queue';
import { suggestRotation } from '../../server/sessions/rotation';
import { mdEscape } from '../../server/sessions/summary';
import { applyControl, plannedLive, remainingAt, type Control } from '../../server/sessions/timer';
import type { LiveRecord } from '../../server/sessions/records';

const MIN = 60_000;
const steps: SessionStep[] = [
  { title: 'A', minutes: 5, prompt: '', speaking: 'open' },
  { title: 'B', minutes: 10, prompt: '', speaking: 'go-round' },
];

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as AppError).code;
  }
  return 'none';
}

/** Applies controls at the given times, starting from a planned session. */
function run(...seq: [number, Control][]): LiveRecord {
  return seq.reduce((live, [at, c]) => applyControl(live, steps, c, at), plannedLive());
}

describe('applyControl', () => {
  it('start sets a deadline; every control bumps version and rev by one', () => {
    const live = run([1000, { action: 'start' }]);
    expect(live).toMatchObject({ status: 'running', stepIndex: 0, stepEndsAt: 1000 + 5 * MIN, version: 1, rev: 1, startedAt: 1000 });
    expect(remainingAt(live, 1000 + MIN)).toBe(4 * MIN);
    expect(remainingAt(live, 1000 + 9 * MIN)).toBe(0);
  });

  it('pause keeps the remaining time, resume turns it back into a deadline, paused time is not spent', () => {
    const live = run([0, { action: 'start' }], [MIN, { action: 'pause' }], [11 * MIN, { action: 'resume' }]);
    expect(live).toMatchObject({ status: 'running', stepEndsAt: 11 * MIN + 4 * MIN, remainingMs: null, version: 3 });
    expect(live.log[0]!.pausedMs).toBe(10 * MIN);
  });

  it('extend adds to the deadline, or to the remaining time when paused, or counts from now once time is up', () => {
    expect(run([0, { action: 'start' }], [MIN, { action: 'extend', minutes: 2 }]).stepEndsAt).toBe(7 * MIN);
    expect(run([0, { action: 'start' }], [MIN, { action: 'pause' }], [2 * MIN, { action: 'extend', minutes: 2 }]).remainingMs).toBe(6 * MIN);
    expect(run([0, { action: 'start' }], [20 * MIN, { action: 'extend', minutes: 3 }]).stepEndsAt).toBe(23 * MIN);
  });

  it('next and previous give the step its full time and keep paused sessions paused', () => {
    const running = run([0, { action: 'start' }], [MIN, { action: 'next' }]);
    expect(running).toMatchObject({ stepIndex: 1, stepEndsAt: 11 * MIN });
    const paused = run([0, { action: 'start' }], [MIN, { action: 'pause' }], [2 * MIN, { action: 'next' }]);
    expect(paused).toMatchObject({ status: 'paused', stepIndex: 1, remainingMs: 10 * MIN, stepEndsAt: null });
    // The step left while paused stopped counting at the pause.
    expect(paused.log[0]).toMatchObject({ startedAt: 0, endedAt: 2 * MIN, pausedMs: MIN });
    const back = applyControl(running, steps, { action: 'previous' }, 3 * MIN);
    expect(back).toMatchObject({ stepIndex: 0, stepEndsAt: 8 * MIN });
    expect(back.log.map((e) => e.stepIndex)).toEqual([0, 1, 0]);
  });

  it('refuses what does not fit: conflict for the wrong status, invalid_payload for unknown steps', () => {
    const planned = plannedLive();
    expect(codeOf(() => applyControl(planned, steps, { action: 'next' }, 0))).toBe('conflict');
    expect(codeOf(() => applyControl(planned, steps, { action: 'pause' }, 0))).toBe('conflict');
    const started = run([0, { action: 'start' }]);
    expect(codeOf(() => applyControl(started, steps, { action: 'start' }, 0))).toBe('conflict');
    expect(codeOf(() => applyControl(started, steps, { action: 'resume' }, 0))).toBe('conflict');
    expect(codeOf(() => applyControl(started, steps, { action: 'previous' }, 0))).toBe('invalid_payload');
    expect(codeOf(() => applyControl(started, steps, { action: 'goto', stepIndex: 2 }, 0))).toBe('invalid_payload');
    expect(codeOf(() => applyControl(started, steps, { action: 'extend', minutes: -1 }, 0))).toBe('invalid_payload');
    const last = applyControl(started, steps, { action: 'next' }, 0);
    expect(codeOf(() => applyControl(last, steps, { action: 'next' }, 0))).toBe('invalid_payload');
    const ended = applyControl(last, steps, { action: 'end' }, MIN);
    expect(ended).toMatchObject({ status: 'ended', endedAt: MIN, stepEndsAt: null });
    for (const action of ['start', 'next', 'pause', 'resume', 'end'] as const) expect(codeOf(() => applyControl(ended, steps, { action }, 0))).toBe('conflict');
  });
});

describe('suggestRotation', () => {
  const people = ['ana', 'ben', 'cai', 'dee', 'eve'];
  it('hands each role to the next person, wrapping around', () => {
    expect(suggestRotation({ facilitator: 'ana', timekeeper: 'ben', noteTaker: 'cai', normKeeper: 'eve' }, people)).toEqual({
      facilitator: 'ben',
      timekeeper: 'cai',
      noteTaker: 'dee',
      normKeeper: 'ana',
    });
  });
  it('starts in order with no previous session, and fills roles of people who left', () => {
    expect(suggestRotation(null, people)).toEqual({ facilitator: 'ana', timekeeper: 'ben', noteTaker: 'cai', normKeeper: 'dee' });
    expect(suggestRotation({ facilitator: 'gone', timekeeper: null, noteTaker: 'ana', normKeeper: null }, ['ana', 'ben'])).toEqual({
      facilitator: 'ben',
      timekeeper: 'ana',
      noteTaker: 'ben',
      normKeeper: 'ana',
    });
    expect(suggestRotation(null, [])).toEqual({ facilitator: null, timekeeper: null, noteTaker: null, normKeeper: null });
  });
});

describe('createKeyedQueue', () => {
  it('runs tasks of one key one at a time in order, even when one fails; other keys are not blocked', async () => {
    const q = createKeyedQueue();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a1 = q.run('a', async () => {
      await gate;
      order.push('a1');
    });
    const a2 = q.run('a', async () => {
      order.push('a2');
      throw new Error('boom');
    });
    const a3 = q.run('a', async () => order.push('a3'));
    await q.run('b', async () => order.push('b1'));
    expect(order).toEqual(['b1']);
    release();
    await a1;
    await expect(a2).rejects.toThrow('boom');
    await a3;
    expect(order).toEqual(['b1', 'a1', 'a2', 'a3']);
    await q.drain();
  });
});

describe('mdEscape', () => {
  it('keeps user text from breaking tables, headings and lists', () => {
    expect(mdEscape('a | b\n# c *d* [e](f) <script>')).toBe('a \\| b \\# c \\*d\\* \\[e\\](f) \\<script\\>');
  });
});
