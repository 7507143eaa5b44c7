/**
 * The Socket.IO event map, declared once and typed on both ends:
 * `Server<ClientToServerEvents, ServerToClientEvents>` and `Socket<ServerToClientEvents, ClientToServerEvents>`.
 * Every client event is `(payload, ack)` and every ack is `{ data }` or `{ error }`.
 */
import type { Ack } from './errors';

export interface OnlineUser {
  userId: string;
  name: string;
}

type Handler<P, R> = (payload: P, ack: (res: Ack<R>) => void) => void;

export interface ClientToServerEvents {
  'space:join': Handler<{ spaceId: string }, { online: OnlineUser[] }>;
  'space:leave': Handler<{ spaceId: string }, Record<string, never>>;
}

export interface ServerToClientEvents {
  presence: (payload: { spaceId: string; online: OnlineUser[] }) => void;
  /** The server removed this socket from a space (the user was removed or left). */
  'space:removed': (payload: { spaceId: string }) => void;
}

export interface SocketData {
  userId: string;
  name: string;
  sessionId: string;
}
