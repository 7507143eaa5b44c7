/**
 * One live PLC session as runes state: the session (HTTP detail), the authoritative live state (the one
 * with the highest `rev` from acks and `session:state` broadcasts), decisions, action items, vote results,
 * the summary once it ends, and what screen readers should hear. It rides the page's shared socket
 * (lib/socket.ts), re-joins the room after every reconnection and catches up on what it missed.
 */
import type { ErrorBody } from '../../../shared/errors';
import type {
  ActionItem,
  CreateActionItemBody,
  ControlAction,
  Decision,
  LiveState,
  SessionDetail,
  SessionRoles,
  SessionSummary,
  UpdateSessionBody,
  VoteResults,
} from '../../../shared/sessions';
import { canControlSession } from '../../../shared/policy';
import type { GuestRights, Member, Space } from '../../../shared/types';
import { api } from '../lib/api';
import { may } from '../lib/policy';
import { connection } from '../lib/socket';
import { addDecision, createActionItem, getSession, getSummary, updateActionItem, updateSession } from './api';

export const CONFLICT_NOTICE = 'Someone else already moved the session; showing the latest state.';

type AckResult<T> = { data: T } | { error: ErrorBody };

const byId = <T extends { id: string }>(list: readonly T[], item: T): T[] =>
  list.some((x) => x.id === item.id) ? list.map((x) => (x.id === item.id ? item : x)) : [...list, item];

/**
 * True when a newer state moved neither the timer nor the queue nor the vote: the bump came from an edit
 * of the session (title, schedule, roles, notes) or of the norms, which are rare, facilitator-driven changes.
 */
const quietChange = (prev: LiveState, next: LiveState) =>
  next.status === prev.status &&
  next.stepIndex === prev.stepIndex &&
  next.version === prev.version &&
  JSON.stringify(next.hands) === JSON.stringify(prev.hands) &&
  JSON.stringify(next.vote) === JSON.stringify(prev.vote);

/** The live session behind `/sessions/:sessionId`. */
export class LiveSession {
  detail = $state.raw<SessionDetail | null>(null);
  state = $state.raw<LiveState | null>(null);
  /** The server's clock minus ours when `state` arrived (ms). */
  offset = $state(0);
  /** Why the page cannot be shown (404 and such), from the HTTP detail. */
  loadError = $state<unknown>(null);
  spaceName = $state('');
  guestRights = $state.raw<GuestRights | null>(null);
  members = $state.raw<Member[]>([]);
  decisions = $state.raw<Decision[]>([]);
  actionItems = $state.raw<ActionItem[]>([]);
  carried = $state.raw<ActionItem[]>([]);
  summary = $state.raw<SessionSummary | null>(null);
  summaryError = $state<unknown>(null);
  /** The caller's own fist-to-five value per vote id (ballots stay on the server). */
  myVotes = $state<Record<string, number>>({});
  /** Text for the polite live region: step and status changes, never the ticking clock. */
  announcement = $state('');
  /** A short confirmation or "someone else moved first" note (role=status). */
  notice = $state('');
  /** The last failed live action's message (role=alert). */
  error = $state('');
  /** The socket action in flight, if any ("control", "hand", "vote"). */
  pending = $state<string | null>(null);
  #results = $state.raw<VoteResults | null>(null);
  #offs: (() => void)[] = [];
  #stopped = false;
  #refreshing: Promise<void> | null = null;
  #refreshAgain = false;

  constructor(
    readonly sessionId: string,
    readonly meId: string,
  ) {}

  get session() {
    return this.detail?.session ?? null;
  }

  get steps() {
    return this.detail?.session.steps ?? [];
  }

  get role() {
    return this.detail?.role ?? null;
  }

  get roles(): SessionRoles | null {
    return this.state?.roles ?? this.detail?.session.roles ?? null;
  }

  /**
   * Whether the caller may run the timer, votes and others' hands: space facilitators, plus whoever the
   * session names as facilitator or timekeeper (the server's rule, re-read as roles change live).
   */
  get canControl(): boolean {
    if (!this.detail) return false;
    const roles = this.roles;
    return canControlSession({ userId: this.meId, role: this.detail.role }, { visibility: 'private' }, roles ?? { facilitator: null, timekeeper: null });
  }

  /** Facilitators and members add decisions and action items; guests read them. */
  get canManage(): boolean {
    return may(this.role, 'actionItems.manage');
  }

  /** Guests raise hands and vote unless the space's facilitators switched that off. */
  get canParticipate(): boolean {
    return may(this.role, 'sessions.participate', { guestRights: this.guestRights ?? undefined });
  }

  get live(): boolean {
    return this.state?.status === 'running' || this.state?.status === 'paused';
  }

  get myHand(): number {
    return this.state?.hands.findIndex((h) => h.userId === this.meId) ?? -1;
  }

  /** The results of the vote shown in the state, once closed. */
  get results(): VoteResults | null {
    const v = this.state?.vote;
    if (!v || v.status !== 'closed') return null;
    return v.results ?? (this.#results?.voteId === v.id ? this.#results : null);
  }

  /** A member's name by user id ("Former member" when they left the space). */
  nameOf(userId: string | null): string {
    if (!userId) return 'Unassigned';
    return this.members.find((m) => m.user.id === userId)?.user.name ?? (userId === this.meId ? 'You' : 'Former member');
  }

  /** Listens, loads the session and joins its room. */
  async start(): Promise<void> {
    const on = connection.on.bind(connection);
    this.#offs.push(
      on('session:state', ({ state }) => this.adopt(state)),
      on('session:decision', ({ sessionId, decision }) => {
        if (sessionId !== this.sessionId) return;
        this.decisions = byId(this.decisions, decision);
        this.#refreshSummary();
      }),
      on('session:actionItem', ({ sessionId, actionItem }) => this.#upsertItem(sessionId, actionItem)),
      on('vote:results', ({ sessionId, results }) => {
        if (sessionId !== this.sessionId) return;
        this.#results = results;
      }),
      connection.onReconnect(() => void this.#catchUp()),
    );
    connection.connect();
    await Promise.all([this.#load(), this.#join()]);
  }

  /** Stops listening and leaves the room. */
  stop(): void {
    this.#stopped = true;
    for (const off of this.#offs.splice(0)) off();
    if (connection.connected) void connection.request('session:leave', { sessionId: this.sessionId });
  }

  async #load(): Promise<void> {
    try {
      const d = await getSession(this.sessionId);
      if (this.#stopped) return;
      // The room's state can be ahead of this answer (the join won the race): read the detail once more.
      const behind = !!this.state && this.state.rev > d.session.state.rev;
      this.detail = d;
      this.decisions = d.decisions;
      this.actionItems = d.actionItems;
      this.carried = d.carriedActionItems;
      this.adopt(d.session.state);
      if (behind) this.#refreshDetail();
      void this.#loadSpace(d.session.spaceId);
    } catch (err) {
      this.loadError = err;
    }
  }

  async #loadSpace(spaceId: string): Promise<void> {
    const base = `/api/spaces/${encodeURIComponent(spaceId)}`;
    const [space, members] = await Promise.allSettled([
      api.get<{ space: Space }>(base),
      api.get<{ members: Member[] }>(`${base}/members`),
    ]);
    if (space.status === 'fulfilled') {
      this.spaceName = space.value.space.name;
      this.guestRights = space.value.space.guestRights;
    }
    if (members.status === 'fulfilled') this.members = members.value.members;
  }

  async #join(): Promise<void> {
    await connection.whenConnected();
    if (this.#stopped) return;
    const ack = await connection.request('session:join', { sessionId: this.sessionId });
    if ('data' in ack) {
      this.adopt(ack.data.state);
      const mine = ack.data.myVote;
      if (mine) this.myVotes[mine.voteId] = mine.value;
    }
    else if (ack.error.code !== 'unavailable') this.error = ack.error.message;
  }

  /** After a reconnection: re-join the room (fresh state) and fetch decisions and items that were missed. */
  async #catchUp(): Promise<void> {
    await this.#join();
    try {
      const d = await getSession(this.sessionId);
      this.detail = d;
      this.decisions = d.decisions;
      this.actionItems = d.actionItems;
      this.carried = d.carriedActionItems;
      this.adopt(d.session.state);
      if (this.summary) await this.loadSummary();
    } catch {
      /* the next reconnection tries again; what is shown stays */
    }
  }

  /** Keeps the state with the highest `rev`, and tells screen readers what changed. */
  adopt(next: LiveState): void {
    if (next.sessionId !== this.sessionId) return;
    const prev = this.state;
    if (prev && next.rev < prev.rev) return;
    this.state = next;
    this.offset = next.serverNow - Date.now();
    if (prev && next.rev > prev.rev) this.#announce(prev, next);
    // `session:state` carries no title or schedule. Re-reading the detail on every bump would cost a
    // request per raised hand or ballot, so only a quiet bump (see quietChange) or a gap in `rev` does.
    if (prev && (next.rev > prev.rev + 1 || (next.rev > prev.rev && quietChange(prev, next)))) this.#refreshDetail();
    // Load the summary once the session ends (again if a preview was loaded while it ran).
    if (next.status === 'ended' && (!this.summary || prev?.status !== 'ended')) void this.loadSummary();
  }

  /** Fetches the detail again (one request at a time; a change during it triggers one more). */
  #refreshDetail(): void {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return;
    }
    this.#refreshing = (async () => {
      do {
        this.#refreshAgain = false;
        try {
          const d = await getSession(this.sessionId);
          if (this.#stopped) return;
          // An answer older than what is shown (a save's own reply came first) is dropped. Its state is
          // not adopted: the room delivers that, and adopting could chain reads while traffic is busy.
          if (!this.detail || d.session.state.rev >= this.detail.session.state.rev) this.detail = d;
        } catch {
          /* what is shown stays; the next change or reconnection reads it again */
        }
      } while (this.#refreshAgain && !this.#stopped);
    })().finally(() => (this.#refreshing = null));
  }

  #announce(prev: LiveState, next: LiveState): void {
    const said: string[] = [];
    const step = this.steps[next.stepIndex];
    const stepLine = `Step ${next.stepIndex + 1} of ${next.stepCount}: ${step?.title ?? ''}.`;
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
    if (this.canControl) {
      for (const h of next.hands) if (!prev.hands.some((p) => p.userId === h.userId) && h.userId !== this.meId) said.push(`${h.name} raised a hand.`);
    }
    if (said.length) this.announcement = said.join(' ');
  }

  #upsertItem(sessionId: string, item: ActionItem): void {
    if (this.carried.some((c) => c.id === item.id)) this.carried = byId(this.carried, item);
    else if (sessionId === this.sessionId || item.sessionId === this.sessionId) this.actionItems = byId(this.actionItems, item);
    else return;
    this.#refreshSummary();
  }

  /** A summary already shown is fetched again when decisions or items change after the end. */
  #refreshSummary(): void {
    if (this.summary && this.state?.status === 'ended') void this.loadSummary();
  }

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

  raiseHand() {
    return this.#act('hand', () => connection.request('hand:raise', { sessionId: this.sessionId }));
  }

  /** Lowers the caller's hand, or (controllers) someone else's. */
  lowerHand(userId?: string) {
    return this.#act('hand', () => connection.request('hand:lower', userId ? { sessionId: this.sessionId, userId } : { sessionId: this.sessionId }));
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
    this.#upsertItem(this.sessionId, item);
  }

  /** Ticks an item (of this session or carried) done or open again. Throws ApiError. */
  async setDone(item: ActionItem, done: boolean): Promise<ActionItem> {
    const saved = await updateActionItem(item.id, { done });
    this.#upsertItem(saved.sessionId, saved);
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

  async loadSummary(): Promise<void> {
    try {
      this.summary = await getSummary(this.sessionId);
      this.summaryError = null;
    } catch (err) {
      this.summaryError = err;
    }
  }
}
