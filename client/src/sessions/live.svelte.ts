/**
 * One live PLC session as runes state: the room (state/room.svelte.ts) plus what people do in it: the
 * timer and step controls, hands, fist-to-five votes, decisions, action items and session edits.
 */
import type { ErrorBody } from '../../../shared/errors';
import type { ActionItem, CreateActionItemBody, ControlAction, LiveState, SessionRoles, UpdateSessionBody } from '../../../shared/sessions';
import { connection } from '../lib/socket';
import { addDecision, createActionItem, updateActionItem, updateSession } from './api';
import { LiveRoom, byId } from './state/room.svelte';

export const CONFLICT_NOTICE = 'Someone else already moved the session; showing the latest state.';

type AckResult<T> = { data: T } | { error: ErrorBody };

/** The live session behind `/sessions/:sessionId`. */
export class LiveSession extends LiveRoom {
  /** A short confirmation or "someone else moved first" note (role=status). */
  notice = $state('');
  /** The socket action in flight, if any ("control", "hand", "vote"). */
  pending = $state<string | null>(null);

  /** Runs one socket action; adopts the state of its ack or of a conflict. Returns the data, or null. */
  async #act<T>(kind: string, send: () => Promise<AckResult<T>>, conflictNotice?: string): Promise<T | null> {
    this.pending = kind;
    this.notice = '';
    this.error = '';
    try {
      const ack = await send();
      if ('data' in ack) {
        const state = (ack.data as { state?: LiveState }).state;
        if (state) this.adopt(state);
        return ack.data;
      }
      const e = ack.error;
      const fresh = (e.details as { state?: LiveState } | undefined)?.state;
      if (e.code === 'conflict' && fresh) {
        this.adopt(fresh);
        this.notice = conflictNotice ?? e.message;
      } else {
        this.error = e.message;
      }
      return null;
    } finally {
      this.pending = null;
    }
  }

  /** A timer/step control carrying the version this page shows (a stale one gets the latest state back). */
  control(action: ControlAction, extra: { minutes?: number; stepIndex?: number } = {}) {
    const version = this.state?.version;
    return this.#act('control', () => connection.request('session:control', { sessionId: this.sessionId, action, ...extra, ...(version !== undefined ? { version } : {}) }), CONFLICT_NOTICE);
  }

  /** Raises the caller's hand and tells screen readers where it stands in the queue. */
  async raiseHand() {
    const r = await this.#act('hand', () => connection.request('hand:raise', { sessionId: this.sessionId }));
    if (r) this.announcement = `Your hand is raised. You are number ${this.myHand + 1} in the queue.`;
    return r;
  }

  /** Lowers the caller's hand, or (controllers) someone else's; either is announced. */
  async lowerHand(userId?: string) {
    const r = await this.#act('hand', () => connection.request('hand:lower', userId ? { sessionId: this.sessionId, userId } : { sessionId: this.sessionId }));
    if (r) this.announcement = userId ? `${this.nameOf(userId)}'s hand is lowered.` : 'Your hand is lowered.';
    return r;
  }

  openVote(question: string) {
    const q = question.trim();
    return this.#act('vote', () => connection.request('vote:open', q ? { sessionId: this.sessionId, question: q } : { sessionId: this.sessionId }));
  }

  async castVote(value: 0 | 1 | 2 | 3 | 4 | 5): Promise<void> {
    const vote = this.state?.vote;
    if (!vote) return;
    const r = await this.#act('vote', () => connection.request('vote:cast', { voteId: vote.id, value }));
    if (r) {
      this.myVotes[vote.id] = r.value;
      this.announcement = `Your vote: ${r.value}.`;
    }
  }

  closeVote() {
    const vote = this.state?.vote;
    if (!vote) return Promise.resolve(null);
    return this.#act('vote', () => connection.request('vote:close', { voteId: vote.id }));
  }

  /** Adds a decision (HTTP); it also arrives as `session:decision`. Throws ApiError. */
  async addDecision(text: string): Promise<void> {
    const d = await addDecision(this.sessionId, text);
    this.decisions = byId(this.decisions, d);
  }

  /** Adds an action item (HTTP); it also arrives as `session:actionItem`. Throws ApiError. */
  async addActionItem(body: CreateActionItemBody): Promise<void> {
    const item = await createActionItem(this.sessionId, body);
    this.upsertItem(this.sessionId, item);
  }

  /** Ticks an item (of this session or carried) done or open again. Throws ApiError. */
  async setDone(item: ActionItem, done: boolean): Promise<ActionItem> {
    const saved = await updateActionItem(item.id, { done });
    this.upsertItem(saved.sessionId, saved);
    return saved;
  }

  /** Saves the meeting roles (space facilitators). Throws ApiError. */
  saveRoles(roles: SessionRoles): Promise<void> {
    return this.#saveSession({ roles });
  }

  /** Renames or reschedules the session (space facilitators; `scheduledAt: null` clears it). Throws ApiError. */
  saveDetails(patch: Pick<UpdateSessionBody, 'title' | 'scheduledAt'>): Promise<void> {
    return this.#saveSession(patch);
  }

  async #saveSession(patch: UpdateSessionBody): Promise<void> {
    const session = await updateSession(this.sessionId, patch);
    if (this.detail) this.detail = { ...this.detail, session };
    this.adopt(session.state);
  }

}
