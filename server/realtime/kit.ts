/**
 * The one way a Socket.IO event is handled: parse (zod) -> limit -> authorize -> run -> ack `{ data }` or
 * `{ error }`. An event is declared with `on(name, spec)`, typed against shared/events.ts, so the payload
 * the schema yields and the ack data `run` returns are checked by the compiler. Handlers see a `Conn`,
 * never a Socket.IO socket.
 */
import type { z } from 'zod';
import type { Ack } from '../../shared/errors';
import type { AckData, ClientPayload, ClientToServerEvents, ServerArgs, ServerToClientEvents } from '../../shared/events';
import { fromZod, toAppError } from '../errors';
import type { Limiter } from '../limits';
import type { Logger } from '../logger';

export type EventName = keyof ClientToServerEvents;

/** One live connection as a handler sees it. */
export interface Conn {
  readonly id: string;
  readonly userId: string;
  /** The user's display name now (a rename reaches open connections). */
  readonly name: string;
  /**
   * Joins a room. A room joined with `spaceId` is left by all of a user's connections when they are
   * removed from that space, so they receive nothing more from it.
   */
  join(room: string, opts?: { spaceId?: string }): Promise<void>;
  leave(room: string): Promise<void>;
  /** True while this connection is in `room`. */
  in(room: string): boolean;
  /** To everyone in `room` except this connection. */
  toOthers<E extends keyof ServerToClientEvents>(room: string, event: E, ...args: ServerArgs<E>): void;
}

export interface EventSpec<E extends EventName, P extends ClientPayload<E>, G> {
  schema: z.ZodType<P>;
  /** Counted per user after parsing; `null` when the command counts for itself (e.g. only real sends). */
  limit: Limiter | null;
  /** Throws `forbidden` / `not_found` before anything happens; what it returns is handed to `run`. */
  authorize?: (payload: P, conn: Conn) => Promise<G>;
  run: (payload: P, conn: Conn, granted: G) => Promise<AckData<E>>;
}

/** A declared event, its types erased so a feature can hand over a list of them. */
export interface EventHandler {
  readonly event: EventName;
  /** Runs the steps for one raw payload; never throws. */
  handle(conn: Conn, raw: unknown, log: Logger): Promise<Ack<unknown>>;
}

/** Declares the handler of one client event. */
export function on<E extends EventName, P extends ClientPayload<E>, G = undefined>(event: E, spec: EventSpec<E, P, G>): EventHandler {
  return {
    event,
    async handle(conn, raw, log) {
      try {
        const parsed = spec.schema.safeParse(raw ?? {});
        if (!parsed.success) throw fromZod(parsed.error, 'payload');
        if (spec.limit) await spec.limit.enforce(conn.userId);
        const granted = spec.authorize ? await spec.authorize(parsed.data, conn) : (undefined as G);
        return { data: await spec.run(parsed.data, conn, granted) };
      } catch (err) {
        const e = toAppError(err);
        if (e.code === 'internal') log.error({ err, event, userId: conn.userId }, 'socket event failed');
        return { error: e.toBody() };
      }
    },
  };
}
