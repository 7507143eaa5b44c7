/**
 * The live room behind one PLC session page as runes state: the session (HTTP detail), the authoritative
 * live state (the one with the highest `rev` from acks and `session:state` broadcasts), decisions, action
 * items, vote results, the summary once it ends, and what screen readers should hear. It rides the page's
 * shared socket (lib/socket.ts), re-joins the room after every reconnection and catches up on what it
 * missed. The actions people take (timer, hands, votes, records) are in ../live.svelte.ts.
 */
import type { ActionItem, Decision, LiveState, SessionDetail, SessionRoles, SessionSummary, VoteResults } from '../../../../shared/sessions';
import type { GuestRights, Member, Space } from '../../../../shared/types';
import { api } from '../../lib/api';
import { connection } from '../../lib/socket';
import { getSession, getSummary } from '../api';
import { canControlSession } from '../../../../shared/policy';
import { may } from '../../lib/policy';
import { describeChange, quietChange } from './announce';

/** Replaces the item with the same id, or appends it. */
export const byId = <T extends { id: string }>(list: readonly T[], item: T): T[] =>
  list.some((x) => x.id === item.id) ? list.map((x) => (x.id === item.id ? item : x)) : [...list, item];

/** The room state behind `/sessions/:sessionId` (LiveSession adds the actions). */
export class LiveRoom {
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
  /** The last failed live action's message (role=alert). */
  error = $state('');
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
      on('session:actionItem', ({ sessionId, actionItem }) => this.upsertItem(sessionId, actionItem)),
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
    const said = describeChange(prev, next, { steps: this.steps, canControl: this.canControl, meId: this.meId });
    if (said) this.announcement = said;
  }

  /** Puts a changed action item where it belongs (this session's or the carried ones) and refreshes the summary. */
  protected upsertItem(sessionId: string, item: ActionItem): void {
    if (this.carried.some((c) => c.id === item.id)) this.carried = byId(this.carried, item);
    else if (sessionId === this.sessionId || item.sessionId === this.sessionId) this.actionItems = byId(this.actionItems, item);
    else return;
    this.#refreshSummary();
  }

  /** A summary already shown is fetched again when decisions or items change after the end. */
  #refreshSummary(): void {
    if (this.summary && this.state?.status === 'ended') void this.loadSummary();
  }

  /** Fetches the summary (a preview while the session runs); a failure is kept in `summaryError`. */
  async loadSummary(): Promise<void> {
    try {
      this.summary = await getSummary(this.sessionId);
      this.summaryError = null;
    } catch (err) {
      this.summaryError = err;
    }
  }
}
