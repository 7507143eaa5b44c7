/**
 * What screen readers hear when the live state moves (step, status, time added, votes, raised hands), and
 * which state bumps are "quiet" (an edit of the session rather than the timer, queue or vote).
 */
import { stepTitle, type LiveState, type SessionStep } from '../../../../shared/sessions';

/**
 * True when a newer state moved neither the timer nor the queue nor the vote: the bump came from an edit
 * of the session (title, schedule, roles, notes) or of the norms, which are rare, facilitator-driven changes.
 */
export const quietChange = (prev: LiveState, next: LiveState) =>
  next.status === prev.status &&
  next.stepIndex === prev.stepIndex &&
  next.version === prev.version &&
  JSON.stringify(next.hands) === JSON.stringify(prev.hands) &&
  JSON.stringify(next.vote) === JSON.stringify(prev.vote);

export interface AnnounceContext {
  steps: readonly SessionStep[];
  /** Controllers also hear others' raised hands. */
  canControl: boolean;
  meId: string;
}

/** The sentence(s) for the polite live region when the state moved from `prev` to `next` ('' when nothing to say). */
export function describeChange(prev: LiveState, next: LiveState, ctx: AnnounceContext): string {
  const said: string[] = [];
  const step = ctx.steps[next.stepIndex];
  const stepLine = `Step ${next.stepIndex + 1} of ${next.stepCount}: ${stepTitle(step?.title ?? '')}.`;
  if (next.status !== prev.status) {
    if (next.status === 'running' && prev.status === 'planned') said.push(`The session started. ${stepLine}`);
    else if (next.status === 'running') said.push('The timer resumed.');
    else if (next.status === 'paused') said.push('The timer is paused.');
    else if (next.status === 'ended') said.push('The session ended. The summary is below.');
  }
  if (next.stepIndex !== prev.stepIndex && next.status !== 'ended' && !(prev.status === 'planned')) said.push(stepLine);
  else if (next.version !== prev.version && next.status === prev.status && next.stepIndex === prev.stepIndex) said.push('Time was added to this step.');
  const v = next.vote;
  if (v && v.status === 'open' && (prev.vote?.id !== v.id || prev.vote.status !== 'open')) said.push(`Fist to five is open: ${v.question}`);
  if (v && v.status === 'closed' && prev.vote?.id === v.id && prev.vote.status === 'open' && next.status !== 'ended') {
    said.push(`The vote is closed${v.results?.average != null ? `; average ${v.results.average}` : ''}.`);
  }
  if (ctx.canControl) {
    for (const h of next.hands) if (!prev.hands.some((p) => p.userId === h.userId) && h.userId !== ctx.meId) said.push(`${h.name} raised a hand.`);
  }
  return said.join(' ');
}
