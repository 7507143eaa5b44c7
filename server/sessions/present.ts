/** Presenters for the sessions feature: stored records -> the public shapes of shared/sessions. */
import { FIST_VALUES, type ActionItem, type Decision, type FistValue, type LiveState, type Session, type SessionListItem, type VoteResults } from '../../shared/sessions';
import { totalMinutes } from '../../shared/protocols';
import type { PublicUser } from '../../shared/types';
import { presentPublicUser } from '../presenters';
import type { UserRecord } from '../repos';
import type { ActionItemRecord, DecisionRecord, LiveSessionRecord, VoteRecord } from './records';
import { remainingAt } from './timer';

export type UsersById = Map<string, UserRecord>;

/** A user by id from a preloaded map ("Former member" when gone). */
export const userOf = (users: UsersById, id: string): PublicUser => presentPublicUser(users.get(id), id);

/** The live state clients render, stamped with the server's clock. */
export function presentState(s: LiveSessionRecord, norms: string[], now: number): LiveState {
  const live = s.live;
  const remaining = remainingAt(live, now);
  return {
    sessionId: s._id,
    status: live.status,
    stepIndex: live.stepIndex,
    stepCount: s.steps.length,
    stepEndsAt: live.status === 'running' ? live.stepEndsAt : null,
    remainingMs: live.status === 'paused' ? live.remainingMs : null,
    timeUp: remaining !== null && remaining <= 0,
    version: live.version,
    rev: live.rev,
    serverNow: now,
    startedAt: live.startedAt,
    endedAt: live.endedAt,
    hands: live.hands,
    vote: live.vote,
    roles: s.roles,
    norms,
  };
}

export function presentSession(s: LiveSessionRecord, state: LiveState, users: UsersById): Session {
  return {
    id: s._id,
    spaceId: s.spaceId,
    title: s.title,
    protocolId: s.protocolId,
    steps: s.steps,
    seriesId: s.seriesId,
    seriesSeq: s.seriesSeq,
    scheduledAt: s.scheduledAt ? s.scheduledAt.toISOString() : null,
    roles: s.roles,
    notesDocId: s.notesDocId ?? null,
    createdBy: userOf(users, s.createdBy),
    createdAt: s.createdAt.toISOString(),
    state,
  };
}

export function presentListItem(s: LiveSessionRecord): SessionListItem {
  return {
    id: s._id,
    spaceId: s.spaceId,
    title: s.title,
    protocolId: s.protocolId,
    seriesId: s.seriesId,
    seriesSeq: s.seriesSeq,
    scheduledAt: s.scheduledAt ? s.scheduledAt.toISOString() : null,
    status: s.live.status,
    stepCount: s.steps.length,
    totalMinutes: totalMinutes(s.steps),
    notesDocId: s.notesDocId ?? null,
    createdAt: s.createdAt.toISOString(),
  };
}

export function presentDecision(d: DecisionRecord, users: UsersById): Decision {
  return { id: d._id, sessionId: d.sessionId, text: d.text, createdBy: userOf(users, d.createdBy), createdAt: d.createdAt.toISOString() };
}

/**
 * Today's calendar date as YYYY-MM-DD in the server's time zone (TZ; a school's server runs in the
 * school's zone), for comparing with due dates, which are calendar dates too.
 */
export const todayOf = (now: number) => {
  const d = new Date(now);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

export function presentActionItem(a: ActionItemRecord, users: UsersById, sessionTitles: Map<string, string>, now: number): ActionItem {
  return {
    id: a._id,
    spaceId: a.spaceId,
    sessionId: a.sessionId,
    sessionTitle: sessionTitles.get(a.sessionId) ?? '',
    seriesId: a.seriesId,
    text: a.text,
    owner: a.ownerId ? userOf(users, a.ownerId) : null,
    dueDate: a.dueDate,
    done: a.done,
    doneAt: a.doneAt ? a.doneAt.toISOString() : null,
    overdue: !a.done && a.dueDate !== null && a.dueDate < todayOf(now),
    createdBy: userOf(users, a.createdBy),
    createdAt: a.createdAt.toISOString(),
  };
}

/** Fist-to-five results of a vote: tally per value and who is under three. */
export function tallyVote(v: VoteRecord): VoteResults {
  const tally = Object.fromEntries(FIST_VALUES.map((n) => [n, 0])) as Record<FistValue, number>;
  for (const b of v.ballots) tally[b.value as FistValue] += 1;
  const count = v.ballots.length;
  const underThree = v.ballots.filter((b) => b.value < 3).map((b) => ({ userId: b.userId, name: b.name, value: b.value }));
  return {
    voteId: v._id,
    question: v.question,
    round: v.round,
    count,
    tally,
    average: count ? Math.round((v.ballots.reduce((s, b) => s + b.value, 0) / count) * 10) / 10 : null,
    underThree,
    consensus: count > 0 && underThree.length === 0,
  };
}
