/**
 * The session timer as a pure state machine: (live state, control, now) -> next live state, or a
 * `conflict` / `invalid_payload` error. Timers are deadlines, so nothing here ticks; a running step is
 * fully described by `stepEndsAt`, and a restarted server resumes it with the right remaining time.
 */
import type { ControlAction, SessionStep } from '../../shared/sessions';
import { conflict, invalidPayload } from '../errors';
import type { LiveRecord, StepLogEntry } from './records';

const MINUTE = 60_000;

export interface Control {
  action: ControlAction;
  minutes?: number | undefined;
  stepIndex?: number | undefined;
}

/** The live state of a session that has not started. */
export function plannedLive(): LiveRecord {
  return {
    status: 'planned',
    stepIndex: 0,
    stepEndsAt: null,
    remainingMs: null,
    pausedAt: null,
    version: 0,
    rev: 0,
    startedAt: null,
    endedAt: null,
    log: [],
    hands: [],
    vote: null,
  };
}

/** Milliseconds left in the current step at `now` (never negative); null when not started or ended. */
export function remainingAt(live: LiveRecord, now: number): number | null {
  if (live.status === 'running' && live.stepEndsAt !== null) return Math.max(0, live.stepEndsAt - now);
  if (live.status === 'paused' && live.remainingMs !== null) return Math.max(0, live.remainingMs);
  return null;
}

/** Closes the open log entry (the step being left) at `now`. */
function closeEntry(log: StepLogEntry[], live: LiveRecord, now: number): StepLogEntry[] {
  return log.map((e, i) => {
    if (i !== log.length - 1 || e.endedAt !== null) return e;
    // A step left while paused stops counting at the pause, not now.
    const pausedTail = live.status === 'paused' && live.pausedAt !== null ? now - live.pausedAt : 0;
    return { ...e, endedAt: now, pausedMs: e.pausedMs + pausedTail };
  });
}

/** Moves to step `to`, keeping the running/paused status, with the step's full planned time. */
function moveTo(live: LiveRecord, steps: SessionStep[], to: number, now: number): LiveRecord {
  const step = steps[to];
  if (!step) throw invalidPayload(`There is no step ${to + 1}; this session has ${steps.length} steps.`, { fields: [{ field: 'stepIndex', message: 'unknown step' }] });
  const full = step.minutes * MINUTE;
  const log = [...closeEntry(live.log, live, now), { stepIndex: to, startedAt: now, endedAt: null, pausedMs: 0, extendedMinutes: 0 }];
  return live.status === 'paused'
    ? { ...live, stepIndex: to, stepEndsAt: null, remainingMs: full, pausedAt: now, log }
    : { ...live, stepIndex: to, stepEndsAt: now + full, remainingMs: null, pausedAt: null, log };
}

/**
 * Applies one control. Throws `conflict` when the control does not fit the session's status (already
 * ended, not started, already paused...) and `invalid_payload` for a step that does not exist.
 */
export function applyControl(live: LiveRecord, steps: SessionStep[], control: Control, now: number): LiveRecord {
  if (live.status === 'ended') throw conflict('This session has ended; its timer can no longer be changed.');
  const next = (l: LiveRecord): LiveRecord => ({ ...l, version: live.version + 1, rev: live.rev + 1 });
  const needsStarted = () => {
    if (live.status === 'planned') throw conflict('This session has not started yet. Start it first.');
  };

  switch (control.action) {
    case 'start': {
      if (live.status !== 'planned') throw conflict('This session has already started.');
      const first = steps[0];
      if (!first) throw invalidPayload('This session has no steps.');
      return next({
        ...live,
        status: 'running',
        stepIndex: 0,
        stepEndsAt: now + first.minutes * MINUTE,
        remainingMs: null,
        pausedAt: null,
        startedAt: now,
        log: [{ stepIndex: 0, startedAt: now, endedAt: null, pausedMs: 0, extendedMinutes: 0 }],
      });
    }
    case 'next':
      needsStarted();
      if (live.stepIndex + 1 >= steps.length) throw invalidPayload('This is the last step; end the session instead.', { fields: [{ field: 'action', message: 'no next step' }] });
      return next(moveTo(live, steps, live.stepIndex + 1, now));
    case 'previous':
      needsStarted();
      if (live.stepIndex === 0) throw invalidPayload('This is the first step; there is no previous step.', { fields: [{ field: 'action', message: 'no previous step' }] });
      return next(moveTo(live, steps, live.stepIndex - 1, now));
    case 'goto':
      needsStarted();
      return next(moveTo(live, steps, control.stepIndex ?? -1, now));
    case 'pause':
      needsStarted();
      if (live.status === 'paused') throw conflict('The timer is already paused.');
      return next({ ...live, status: 'paused', remainingMs: remainingAt(live, now) ?? 0, stepEndsAt: null, pausedAt: now });
    case 'resume': {
      needsStarted();
      if (live.status !== 'paused') throw conflict('The timer is not paused.');
      const pausedFor = live.pausedAt !== null ? now - live.pausedAt : 0;
      const log = live.log.map((e, i) => (i === live.log.length - 1 ? { ...e, pausedMs: e.pausedMs + pausedFor } : e));
      return next({ ...live, status: 'running', stepEndsAt: now + (live.remainingMs ?? 0), remainingMs: null, pausedAt: null, log });
    }
    case 'extend': {
      needsStarted();
      const minutes = control.minutes;
      if (minutes === undefined || !(minutes > 0)) throw invalidPayload('Extend needs a positive number of minutes.', { fields: [{ field: 'minutes', message: 'must be more than 0' }] });
      const add = minutes * MINUTE;
      const log = live.log.map((e, i) => (i === live.log.length - 1 ? { ...e, extendedMinutes: e.extendedMinutes + minutes } : e));
      if (live.status === 'paused') return next({ ...live, remainingMs: (live.remainingMs ?? 0) + add, log });
      // Time already up: the extra minutes count from now, not from the missed deadline.
      return next({ ...live, stepEndsAt: Math.max(live.stepEndsAt ?? now, now) + add, log });
    }
    case 'end':
      return next({
        ...live,
        status: 'ended',
        stepEndsAt: null,
        remainingMs: null,
        pausedAt: null,
        endedAt: now,
        log: closeEntry(live.log, live, now),
        hands: [],
      });
  }
}
