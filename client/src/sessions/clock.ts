/** Pure helpers for the live session's countdown: deadlines on the server's clock -> time left here. */
import type { LiveState, SessionStatus, SessionStep } from '../../../shared/sessions';

/**
 * Milliseconds left in the current step, `now` being this browser's clock and `offset` the server's lead
 * over it (`serverNow - Date.now()` when the state arrived). Planned: the first step's full time; ended: null.
 */
export function remainingMs(state: LiveState, steps: readonly SessionStep[], offset: number, now: number): number | null {
  if (state.status === 'running' && state.stepEndsAt !== null) return state.stepEndsAt - (now + offset);
  if (state.status === 'paused' && state.remainingMs !== null) return state.remainingMs;
  if (state.status === 'planned') return (steps[state.stepIndex]?.minutes ?? 0) * 60_000;
  return null;
}

/** "04:59" for 299 s (seconds rounded up, so a fresh 5-minute step reads 05:00); never negative. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** "4 minutes 59 seconds": the clock in words, for the timer's accessible name. */
export function clockInWords(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  const parts = [m ? `${m} ${m === 1 ? 'minute' : 'minutes'}` : '', s || !m ? `${s} ${s === 1 ? 'second' : 'seconds'}` : ''];
  return parts.filter(Boolean).join(' ');
}

/** "12.5 min" / "45 s": a step's actual duration in the summary. */
export function durationLabel(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 6_000) / 10} min`;
}

export const LIVE_STATUS_LABELS: Record<SessionStatus, string> = {
  planned: 'Planned',
  running: 'Running',
  paused: 'Paused',
  ended: 'Ended',
};
