/**
 * What every part of the sessions feature shares: its repositories, the per-session queue, access checks
 * and the one path by which live state changes (read inside the queue -> change -> store -> broadcast).
 */
import type { LiveState } from '../../shared/sessions';
import type { ServerArgs, ServerToClientEvents } from '../../shared/events';
import { accessSpace, type SpaceAccess } from '../commands/access';
import type { Ctx } from '../context';
import type { DocsPort } from '../docs/port';
import { AppError, conflict, notFound } from '../errors';
import type { Action } from '../policies';
import type { RealtimePort } from '../realtime/port';
import { createKeyedQueue, type KeyedQueue } from './queue';
import { createSessionRepos, type LiveSessionRecord, type SessionRepos } from './records';
import { presentState, type UsersById } from './present';

/** The realtime room of one live session. */
export const liveRoom = (sessionId: string) => `live:${sessionId}`;

export type SessionChange = Partial<Omit<LiveSessionRecord, '_id'>> | null;

export interface SessionsCore {
  ctx: Ctx;
  repos: SessionRepos;
  queue: KeyedQueue;
  /** Broadcasts and attendance (the realtime port). */
  out: RealtimePort;
  /** The docs feature's port (meeting notes); absent when that feature is not mounted. */
  docs: DocsPort | undefined;
  usersById(ids: Iterable<string>): Promise<UsersById>;
  /** Loads a session and authorizes `action` in its space; a session the caller may not see is 404. */
  access(sessionId: string, userId: string, action: Action): Promise<{ session: LiveSessionRecord; access: SpaceAccess }>;
  stateOf(s: LiveSessionRecord): Promise<LiveState>;
  /** A `conflict` carrying the session's fresh state in `details.state`. */
  conflictWithState(s: LiveSessionRecord, message: string): Promise<AppError>;
  /**
   * Changes one session under its queue: `change` sees the freshly read record and returns the fields to
   * set (null for no change). The write is conditional on `live.rev`; the new state is broadcast to the
   * session's room before this resolves, so an ack never precedes the store write or the broadcast.
   */
  mutate(sessionId: string, change: (s: LiveSessionRecord) => Promise<SessionChange> | SessionChange): Promise<LiveSessionRecord>;
  /** Sends an event to the session's room. */
  emit<E extends keyof ServerToClientEvents>(sessionId: string, event: E, ...args: ServerArgs<E>): void;
  /** Tells every member of the space that its session list changed (`sessions:changed`); never throws. */
  announceListChange(spaceId: string, sessionId: string): Promise<void>;
}

/** Builds the shared core over the app's context and the ports it is given. */
export function createSessionsCore(ctx: Ctx, ports: { realtime: RealtimePort; docs?: DocsPort }): SessionsCore {
  const repos = createSessionRepos(ctx.store);
  const queue = createKeyedQueue();
  const out = ports.realtime;

  const stateOf = async (s: LiveSessionRecord) => presentState(s, await repos.norms.get(s.spaceId), ctx.now());

  const core: SessionsCore = {
    ctx,
    repos,
    queue,
    out,
    docs: ports.docs,
    async usersById(ids) {
      const list = await ctx.repos.users.byIds([...new Set(ids)]);
      return new Map(list.map((u) => [u._id, u]));
    },
    async access(sessionId, userId, action) {
      const session = await repos.sessions.byId(sessionId);
      if (!session) throw notFound('That session');
      try {
        return { session, access: await accessSpace(ctx, session.spaceId, userId, action) };
      } catch (err) {
        // Do not reveal that a session exists in a space the caller cannot see.
        if (err instanceof AppError && err.code === 'not_found') throw notFound('That session');
        throw err;
      }
    },
    stateOf,
    async conflictWithState(s, message) {
      return conflict(message, { state: await stateOf(s) });
    },
    mutate(sessionId, change) {
      return queue.run(sessionId, async () => {
        const s = await repos.sessions.byId(sessionId);
        if (!s) throw notFound('That session');
        let set: SessionChange;
        try {
          set = await change(s);
        } catch (err) {
          if (err instanceof AppError && err.code === 'conflict' && err.details === undefined) throw await core.conflictWithState(s, err.message);
          throw err;
        }
        if (!set) return s;
        const saved = await repos.sessions.saveLive(sessionId, s.live.rev, set);
        if (!saved) {
          const fresh = (await repos.sessions.byId(sessionId)) ?? s;
          throw await core.conflictWithState(fresh, 'The session changed at the same moment; here is its current state.');
        }
        // Attendance-only writes leave `rev` alone: the state clients see did not change.
        if (saved.live.rev !== s.live.rev) out.toRoom(liveRoom(sessionId), 'session:state', { state: await stateOf(saved) });
        const listed = (r: LiveSessionRecord) => [r.title, r.scheduledAt?.getTime() ?? null, r.live.status].join('\u0000');
        if (listed(saved) !== listed(s)) void core.announceListChange(saved.spaceId, sessionId);
        return saved;
      });
    },
    emit(sessionId, event, ...args) {
      out.toRoom(liveRoom(sessionId), event, ...args);
    },
    async announceListChange(spaceId, sessionId) {
      try {
        const members = await ctx.repos.memberships.ofSpace(spaceId);
        out.toUsers(members.map((m) => m.userId), 'sessions:changed', { spaceId, sessionId });
      } catch (err) {
        ctx.logger.warn({ err, spaceId }, 'could not announce a session list change');
      }
    },
  };
  return core;
}
