/**
 * The Socket.IO event map, declared once and typed on both ends:
 * `Server<ClientToServerEvents, ServerToClientEvents>` and `Socket<ServerToClientEvents, ClientToServerEvents>`.
 * Every client event is `(payload, ack)` and every ack is `{ data }` or `{ error }`.
 */
import type { Ack } from './errors';
import type {
  ActionItem,
  ControlPayload,
  Decision,
  HandLowerPayload,
  LiveState,
  SessionJoinResult,
  SessionRefPayload,
  VoteCastPayload,
  VoteClosePayload,
  VoteInfo,
  VoteOpenPayload,
  VoteResults,
} from './sessions';

export interface OnlineUser {
  userId: string;
  name: string;
}

type Handler<P, R> = (payload: P, ack: (res: Ack<R>) => void) => void;

export interface ClientToServerEvents {
  'space:join': Handler<{ spaceId: string }, { online: OnlineUser[] }>;
  'space:leave': Handler<{ spaceId: string }, Record<string, never>>;
  // ---- Live sessions (server/sessions) ----
  /** Joins the room of a live session; records attendance while it runs. */
  'session:join': Handler<SessionRefPayload, SessionJoinResult>;
  'session:leave': Handler<SessionRefPayload, Record<string, never>>;
  /** Facilitators and the session's timekeeper; a stale `version` gets `conflict` with `details.state`. */
  'session:control': Handler<ControlPayload, { state: LiveState }>;
  'hand:raise': Handler<SessionRefPayload, { state: LiveState }>;
  /** Lowers the caller's hand, or (facilitator/timekeeper) someone else's. */
  'hand:lower': Handler<HandLowerPayload, { state: LiveState }>;
  /** Fist to five; opening again after a close is a re-vote (round + 1). */
  'vote:open': Handler<VoteOpenPayload, { vote: VoteInfo; state: LiveState }>;
  'vote:cast': Handler<VoteCastPayload, { vote: VoteInfo; value: number }>;
  'vote:close': Handler<VoteClosePayload, { results: VoteResults; state: LiveState }>;
  // ---- end live sessions ----
}

export interface ServerToClientEvents {
  presence: (payload: { spaceId: string; online: OnlineUser[] }) => void;
  /** The server removed this socket from a space (the user was removed or left). */
  'space:removed': (payload: { spaceId: string }) => void;
  // ---- Live sessions (server/sessions) ----
  /** After every change, to everyone in the session's room. */
  'session:state': (payload: { state: LiveState }) => void;
  'session:decision': (payload: { sessionId: string; decision: Decision }) => void;
  /** An action item was added or changed. */
  'session:actionItem': (payload: { sessionId: string; actionItem: ActionItem }) => void;
  'vote:results': (payload: { sessionId: string; results: VoteResults }) => void;
  // ---- end live sessions ----
}

export interface SocketData {
  userId: string;
  name: string;
  sessionId: string;
}
