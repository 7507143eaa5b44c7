/**
 * Live-session commands, called by the Socket.IO handlers: join (attendance), timer controls, the
 * speaking queue and fist-to-five votes. Each change goes through `core.mutate`, so it is serialised per
 * session, stored, and broadcast before it is acknowledged.
 */
import type { ControlPayload, HandRaise, LiveState, SessionJoinResult, VoteInfo, VoteResults } from '../../shared/sessions';
import { conflict, notFound } from '../errors';
import { authorizeSessionControl } from '../policies';
import { newId } from '../ids';
import { liveRoom, type SessionsCore } from './core';
import { presentSession, tallyVote } from './present';
import type { AttendanceRecord, LiveSessionRecord } from './records';
import { applyControl } from './timer';

const DEFAULT_QUESTION = 'Fist to five: how ready are we to move forward?';

export interface Caller {
  userId: string;
  name: string;
}

const isLive = (s: LiveSessionRecord) => s.live.status === 'running' || s.live.status === 'paused';

/** Adds the callers not yet in the attendance list (first join time kept). */
function withAttendance(list: AttendanceRecord[], people: Caller[], now: number): AttendanceRecord[] | null {
  const seen = new Set(list.map((a) => a.userId));
  const added = people.filter((p) => !seen.has(p.userId) && (seen.add(p.userId), true));
  return added.length ? [...list, ...added.map((p) => ({ userId: p.userId, name: p.name, firstJoinedAt: now }))] : null;
}

/** The live-session commands over the shared core. */
/**
 * Fist to five: whoever showed fewer than three fingers gets the floor before the re-vote, so a closed vote
 * puts them at the head of the speaking queue (fewest fingers first, then in voting order); hands already
 * raised keep their turn after them, and someone already in the queue moves up rather than twice.
 */
export function giveFloor(hands: HandRaise[], underThree: VoteResults['underThree'], now: number): HandRaise[] {
  if (underThree.length === 0) return hands;
  const first = [...underThree]
    .sort((a, b) => a.value - b.value)
    .map((u) => hands.find((h) => h.userId === u.userId) ?? { userId: u.userId, name: u.name, raisedAt: now });
  const moved = new Set(first.map((h) => h.userId));
  return [...first, ...hands.filter((h) => !moved.has(h.userId))];
}

export function createLiveCommands(core: SessionsCore) {
  const { ctx, repos } = core;

  /** Everyone connected to the session's room right now (for attendance at the start). */
  const inRoom = (sessionId: string): Promise<Caller[]> => core.out.peopleIn(liveRoom(sessionId));

  async function mustBeLive(s: LiveSessionRecord, what: string): Promise<void> {
    if (s.live.status === 'ended') throw await core.conflictWithState(s, `This session has ended; ${what} is closed.`);
    if (s.live.status === 'planned') throw await core.conflictWithState(s, `This session has not started yet; ${what} opens when it starts.`);
  }

  return {
    /**
     * Records attendance and answers the state, for a caller already authorized (`core.access` with
     * `sessions.view`) and already in the room (so no broadcast after this read is missed).
     */
    async join(caller: Caller, session: LiveSessionRecord): Promise<SessionJoinResult> {
      const sessionId = session._id;
      let s = session;
      if (isLive(s) && !s.attendance.some((a) => a.userId === caller.userId)) {
        s = await core.mutate(sessionId, (fresh) => {
          const attendance = isLive(fresh) ? withAttendance(fresh.attendance, [caller], ctx.now()) : null;
          return attendance ? { attendance } : null;
        });
      }
      const state = await core.stateOf(s);
      let myVote: SessionJoinResult['myVote'] = null;
      if (s.live.vote) {
        const ballot = (await repos.votes.byId(s.live.vote.id))?.ballots.find((b) => b.userId === caller.userId);
        if (ballot) myVote = { voteId: s.live.vote.id, value: ballot.value };
      }
      return { state, session: presentSession(s, state, await core.usersById([s.createdBy])), myVote };
    },

    /** Applies a timer control for a facilitator or the session's facilitator/timekeeper. */
    async control(caller: Caller, p: ControlPayload): Promise<LiveState> {
      const { session, access } = await core.access(p.sessionId, caller.userId, 'sessions.participate');
      authorizeSessionControl(access.actor, access.space, session.roles);
      const present = p.action === 'start' ? await inRoom(p.sessionId) : [];
      let closed: VoteResults | null = null;
      const saved = await core.mutate(p.sessionId, async (s) => {
        if (p.version !== undefined && p.version !== s.live.version) {
          throw await core.conflictWithState(s, `Someone else changed the session first (you saw version ${p.version}, it is now ${s.live.version}).`);
        }
        const now = ctx.now();
        let live = applyControl(s.live, s.steps, p, now);
        if (p.action === 'end' && live.vote?.status === 'open') {
          // A vote left open when the session ends is closed with what was cast, so the summary keeps it.
          const v = await repos.votes.byId(live.vote.id);
          if (v) {
            closed = tallyVote(v);
            await repos.votes.update(v._id, { closedAt: now });
            live = { ...live, vote: { ...live.vote, status: 'closed', castCount: v.ballots.length, results: closed } };
          }
        }
        const attendance = p.action === 'start' ? withAttendance(s.attendance, [...present, caller], now) : null;
        return attendance ? { live, attendance } : { live };
      });
      if (closed) core.emit(p.sessionId, 'vote:results', { sessionId: p.sessionId, results: closed });
      return core.stateOf(saved);
    },

    async raiseHand(caller: Caller, sessionId: string): Promise<LiveState> {
      await core.access(sessionId, caller.userId, 'sessions.participate');
      const saved = await core.mutate(sessionId, async (s) => {
        await mustBeLive(s, 'the speaking queue');
        if (s.live.hands.some((h) => h.userId === caller.userId)) return null;
        const hands = [...s.live.hands, { userId: caller.userId, name: caller.name, raisedAt: ctx.now() }];
        return { live: { ...s.live, hands, rev: s.live.rev + 1 } };
      });
      return core.stateOf(saved);
    },

    /** Lowers the caller's own hand, or (facilitator/timekeeper, e.g. giving the floor) someone else's. */
    async lowerHand(caller: Caller, sessionId: string, userId?: string): Promise<LiveState> {
      const { session, access } = await core.access(sessionId, caller.userId, 'sessions.participate');
      const target = userId ?? caller.userId;
      if (target !== caller.userId) authorizeSessionControl(access.actor, access.space, session.roles);
      const saved = await core.mutate(sessionId, (s) => {
        if (!s.live.hands.some((h) => h.userId === target)) return null;
        return { live: { ...s.live, hands: s.live.hands.filter((h) => h.userId !== target), rev: s.live.rev + 1 } };
      });
      return core.stateOf(saved);
    },

    /** Opens a fist-to-five; the same question again is the next round (a re-vote). */
    async openVote(caller: Caller, sessionId: string, question?: string): Promise<{ vote: VoteInfo; state: LiveState }> {
      const { session, access } = await core.access(sessionId, caller.userId, 'sessions.participate');
      authorizeSessionControl(access.actor, access.space, session.roles);
      const saved = await core.mutate(sessionId, async (s) => {
        await mustBeLive(s, 'voting');
        if (s.live.vote?.status === 'open') throw conflict('A vote is already open; close it before opening another.');
        const q = question?.trim() || s.live.vote?.question || DEFAULT_QUESTION;
        const round = (await repos.votes.countFor(s._id, q)) + 1;
        const now = ctx.now();
        const id = newId();
        await repos.votes.insert({ _id: id, sessionId: s._id, spaceId: s.spaceId, question: q, round, openedAt: now, closedAt: null, ballots: [] });
        const vote: VoteInfo = { id, question: q, round, status: 'open', castCount: 0, openedAt: now, results: null };
        return { live: { ...s.live, vote, rev: s.live.rev + 1 } };
      });
      return { vote: saved.live.vote!, state: await core.stateOf(saved) };
    },

    /** Casts or changes the caller's vote while it is open. */
    async castVote(caller: Caller, voteId: string, value: number): Promise<{ vote: VoteInfo; value: number }> {
      const vote = await repos.votes.byId(voteId);
      if (!vote) throw notFound('That vote');
      await core.access(vote.sessionId, caller.userId, 'sessions.participate');
      const saved = await core.mutate(vote.sessionId, async (s) => {
        const v = await repos.votes.byId(voteId);
        if (!v || v.closedAt !== null || s.live.vote?.id !== voteId) throw conflict('This vote is closed.');
        const ballots = [...v.ballots.filter((b) => b.userId !== caller.userId), { userId: caller.userId, name: caller.name, value }];
        await repos.votes.update(voteId, { ballots });
        return { live: { ...s.live, vote: { ...s.live.vote, castCount: ballots.length }, rev: s.live.rev + 1 } };
      });
      return { vote: saved.live.vote!, value };
    },

    /** Closes the vote and publishes the results (closing twice returns the same results). */
    async closeVote(caller: Caller, voteId: string): Promise<{ results: VoteResults; state: LiveState }> {
      const vote = await repos.votes.byId(voteId);
      if (!vote) throw notFound('That vote');
      const { session, access } = await core.access(vote.sessionId, caller.userId, 'sessions.participate');
      authorizeSessionControl(access.actor, access.space, session.roles);
      let results: VoteResults | null = null;
      let closedNow = false;
      const saved = await core.mutate(vote.sessionId, async (s) => {
        const v = (await repos.votes.byId(voteId))!;
        results = tallyVote(v);
        if (v.closedAt !== null) return null;
        closedNow = true;
        await repos.votes.update(voteId, { closedAt: ctx.now() });
        if (s.live.vote?.id !== voteId) return null;
        const hands = giveFloor(s.live.hands, results.underThree, ctx.now());
        return { live: { ...s.live, hands, vote: { ...s.live.vote, status: 'closed', castCount: v.ballots.length, results }, rev: s.live.rev + 1 } };
      });
      if (closedNow) core.emit(vote.sessionId, 'vote:results', { sessionId: vote.sessionId, results: results! });
      return { results: results!, state: await core.stateOf(saved) };
    },
  };
}

export type LiveCommands = ReturnType<typeof createLiveCommands>;
