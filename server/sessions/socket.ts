/** Socket.IO handlers of live sessions: validate -> command -> ack `{ data }` or `{ error }`. */
import type { z } from 'zod';
import type { Ack } from '../../shared/errors';
import {
  controlPayload,
  handLowerPayload,
  sessionRefPayload,
  voteCastPayload,
  voteClosePayload,
  voteOpenPayload,
} from '../../shared/sessions';
import { fromZod, toAppError } from '../errors';
import { createLimiter, type Limiter } from '../http/rate-limit';
import type { Logger } from '../logger';
import type { IoSocket } from '../realtime/io';
import { liveRoom } from './core';
import type { Caller, LiveCommands } from './live';

/** Session events per user per 10 s: far above what a meeting needs, low enough that a stuck client cannot flood the store. */
const EVENTS_PER_10S = 100;

/** Wraps a handler: rate-limits, parses the payload, runs it, and always answers the ack (if the client sent one). */
function handler<S extends z.ZodType, R>(log: Logger, limiter: Limiter, userId: string, schema: S, run: (payload: z.infer<S>) => Promise<R>) {
  return (payload: unknown, ack: unknown) => {
    const reply = typeof ack === 'function' ? (ack as (res: Ack<R>) => void) : () => {};
    const parsed = schema.safeParse(payload ?? {});
    if (!parsed.success) return reply({ error: fromZod(parsed.error, 'payload').toBody() });
    limiter
      .consume(userId)
      .then(() => run(parsed.data))
      .then(
        (data) => reply({ data }),
        (err: unknown) => {
          const e = toAppError(err);
          if (e.code === 'internal') log.error({ err }, 'session event failed');
          reply({ error: e.toBody() });
        },
      );
  };
}

/** Registers the live-session events on one authenticated socket. */
export function sessionSocket(live: LiveCommands, log: Logger, onJoin: (sessionId: string, spaceId: string) => void) {
  const limiter = createLimiter(EVENTS_PER_10S, 10, 'Too many session actions at once.');
  return (socket: IoSocket) => {
    const caller = (): Caller => ({ userId: socket.data.userId, name: socket.data.name });
    const on = <S extends z.ZodType, R>(schema: S, run: (payload: z.infer<S>) => Promise<R>) =>
      handler(log, limiter, socket.data.userId, schema, run);

    socket.on(
      'session:join',
      on(sessionRefPayload, async ({ sessionId }) => {
        // Join first so no broadcast between the state read and the join is missed (clients keep the highest rev).
        await socket.join(liveRoom(sessionId));
        try {
          const res = await live.join(caller(), sessionId);
          onJoin(sessionId, res.session.spaceId);
          return res;
        } catch (err) {
          await socket.leave(liveRoom(sessionId));
          throw err;
        }
      }),
    );
    socket.on(
      'session:leave',
      on(sessionRefPayload, async ({ sessionId }) => {
        await socket.leave(liveRoom(sessionId));
        return {} as Record<string, never>;
      }),
    );
    socket.on('session:control', on(controlPayload, async (p) => ({ state: await live.control(caller(), p) })));
    socket.on('hand:raise', on(sessionRefPayload, async ({ sessionId }) => ({ state: await live.raiseHand(caller(), sessionId) })));
    socket.on('hand:lower', on(handLowerPayload, async ({ sessionId, userId }) => ({ state: await live.lowerHand(caller(), sessionId, userId) })));
    socket.on('vote:open', on(voteOpenPayload, ({ sessionId, question }) => live.openVote(caller(), sessionId, question)));
    socket.on('vote:cast', on(voteCastPayload, ({ voteId, value }) => live.castVote(caller(), voteId, value)));
    socket.on('vote:close', on(voteClosePayload, ({ voteId }) => live.closeVote(caller(), voteId)));
  };
}
