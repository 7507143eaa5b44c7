/** Wording and ordering for the Sessions tab: status labels, local date-times, due dates, series. */
import type { SessionListItem, SessionStatus } from '../../../../shared/sessions';

export const STATUS_LABELS: Record<SessionStatus, string> = {
  planned: 'Planned',
  running: 'Running',
  paused: 'Paused',
  ended: 'Ended',
};

const pad = (n: number) => String(Math.abs(Math.trunc(n))).padStart(2, '0');

/**
 * A `<input type="datetime-local">` value ("2026-03-12T14:05", local time) as an ISO date-time with the
 * reader's offset ("2026-03-12T14:05:00+01:00"), or null when empty or not a date.
 */
export function localInputToIso(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return null;
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${sign}${pad(off / 60)}:${pad(off % 60)}`
  );
}

/** The reverse of `localInputToIso`: an ISO date-time as a `datetime-local` value in the reader's zone ("" for none). */
export function isoToLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A calendar date ("2026-03-12") in the reader's locale, without shifting it through UTC. */
export function formatDueDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  if (!y || !m || !d) return date;
  return new Date(y, m - 1, d).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/** "1 step" / "7 steps". */
export const stepsLabel = (n: number) => `${n} ${n === 1 ? 'step' : 'steps'}`;

/** "45 min" / "1 h 5 min". */
export function minutesLabel(total: number): string {
  const m = Math.round(total * 10) / 10;
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  const rest = Math.round((m - h * 60) * 10) / 10;
  return rest ? `${h} h ${rest} min` : `${h} h`;
}

const time = (iso: string | null) => (iso ? new Date(iso).getTime() : NaN);

/**
 * Splits the list into sessions still ahead (running and paused first, then planned by scheduled time,
 * unscheduled last) and past ones (most recent first).
 */
export function splitSessions(list: readonly SessionListItem[]): { upcoming: SessionListItem[]; past: SessionListItem[] } {
  const live = (s: SessionListItem) => (s.status === 'running' || s.status === 'paused' ? 0 : 1);
  const at = (s: SessionListItem) => {
    const t = time(s.scheduledAt);
    return Number.isNaN(t) ? Infinity : t;
  };
  const upcoming = list
    .filter((s) => s.status !== 'ended')
    .sort((a, b) => live(a) - live(b) || at(a) - at(b) || time(a.createdAt) - time(b.createdAt));
  const when = (s: SessionListItem) => {
    const t = time(s.scheduledAt);
    return Number.isNaN(t) ? time(s.createdAt) : t;
  };
  const past = list.filter((s) => s.status === 'ended').sort((a, b) => when(b) - when(a));
  return { upcoming, past };
}

export interface SeriesOption {
  seriesId: string;
  /** The title of the latest session of the series. */
  title: string;
  /** How many sessions the series has so far (its latest seriesSeq). */
  count: number;
}

/** One entry per series, named after its latest session, most recently continued first. */
export function seriesOptions(list: readonly SessionListItem[]): SeriesOption[] {
  const latest = new Map<string, SessionListItem>();
  for (const s of list) {
    const cur = latest.get(s.seriesId);
    if (!cur || s.seriesSeq > cur.seriesSeq) latest.set(s.seriesId, s);
  }
  return [...latest.values()]
    .sort((a, b) => time(b.createdAt) - time(a.createdAt))
    .map((s) => ({ seriesId: s.seriesId, title: s.title, count: s.seriesSeq }));
}
