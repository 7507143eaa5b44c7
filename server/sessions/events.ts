/** Socket.IO events of live sessions, declared with the realtime kit (parse -> limit -> authorize -> run -> ack). */
import { controlPayload, handLowerPayload, sessionRefPayload, voteCastPayload, voteClosePayload, voteOpenPayload } from '../../shared/sessions';
import type { Limiter } from '../limits';
import { on, type Conn, type EventHandler } from '../realtime/kit';
import { liveRoom, type SessionsCore } from './core';
import type { Caller, LiveCommands } from './live';

/** Session events per user per 10 s: far above what a meeting needs, low enough that a stuck client cannot flood the store. */
export const SESSION_EVENTS_PER_10S = 100;

/** The live-session events; `limit` counts every one of them per user. */
export function sessionEvents(core: SessionsCore, live: LiveCommands, limit: Limiter): EventHandler[] {
  const caller = (c: Conn): Caller => ({ userId: c.userId, name: c.name });
  return [
    on('session:join', {
      schema: sessionRefPayload,
      limit,
      // Access is checked before the room is joined: someone who may not see the session never receives
      // one of its broadcasts, not even for a moment.
      authorize: ({ sessionId }, c) => core.access(sessionId, c.userId, 'sessions.view'),
      async run({ sessionId }, c, { session }) {
        // Join, then read the state, so no broadcast between the read and the join is missed (clients keep
        // the highest rev). The room belongs to the space: a removed member's connections leave it.
        await c.join(liveRoom(sessionId), { spaceId: session.spaceId });
        try {
          return await live.join(caller(c), session);
        } catch (err) {
          await c.leave(liveRoom(sessionId));
          throw err;
        }
      },
    }),
    on('session:leave', {
      schema: sessionRefPayload,
      limit,
      async run({ sessionId }, c) {
        await c.leave(liveRoom(sessionId));
        return {};
      },
    }),
    on('session:control', { schema: controlPayload, limit, run: async (p, c) => ({ state: await live.control(caller(c), p) }) }),
    on('hand:raise', { schema: sessionRefPayload, limit, run: async ({ sessionId }, c) => ({ state: await live.raiseHand(caller(c), sessionId) }) }),
    on('hand:lower', { schema: handLowerPayload, limit, run: async ({ sessionId, userId }, c) => ({ state: await live.lowerHand(caller(c), sessionId, userId) }) }),
    on('vote:open', { schema: voteOpenPayload, limit, run: ({ sessionId, question }, c) => live.openVote(caller(c), sessionId, question) }),
    on('vote:cast', { schema: voteCastPayload, limit, run: ({ voteId, value }, c) => live.castVote(caller(c), voteId, value) }),
    on('vote:close', { schema: voteClosePayload, limit, run: ({ voteId }, c) => live.closeVote(caller(c), voteId) }),
  ];
}
