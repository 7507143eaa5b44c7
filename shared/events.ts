import type { ThreadView } from './comments';
/**
 * The Socket.IO event map, declared once and typed on both ends:
 * `Server<ClientToServerEvents, ServerToClientEvents>` and `Socket<ServerToClientEvents, ClientToServerEvents>`.
 * Every client event is `(payload, ack)` and every ack is `{ data }` or `{ error }`.
 */
import type { Channel, ChatMessage, ChatNotification, Reaction, ReactionEmoji } from './chat';
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
import type { PublicUser } from './types';

export interface OnlineUser {
  userId: string;
  name: string;
}

type Handler<P, R> = (payload: P, ack: (res: Ack<R>) => void) => void;

export interface ClientToServerEvents {
  'space:join': Handler<{ spaceId: string }, { online: OnlineUser[] }>;
  'space:leave': Handler<{ spaceId: string }, Record<string, never>>;

  // ---- Comments (server/comments) ----
  /** Follow a document's comment threads (thread:changed / thread:removed) without joining its space's discussion. */
  'doc:watch': Handler<{ docId: string }, Record<string, never>>;
  'doc:unwatch': Handler<{ docId: string }, Record<string, never>>;

  // ---- Discussion (server/chat) ----
  /** Acked only once the message is stored; the same clientMsgId (per user) returns the same message. */
  'message:send': Handler<
    { channelId: string; text: string; clientMsgId: string; parentId?: string | null; mentions?: string[] },
    { message: ChatMessage }
  >;
  /** Own messages only. */
  'message:edit': Handler<{ messageId: string; text: string }, { message: ChatMessage }>;
  /** Own messages; facilitators may remove any (logged in the moderation log). */
  'message:delete': Handler<{ messageId: string; reason?: string }, { messageId: string }>;
  'reaction:toggle': Handler<{ messageId: string; emoji: ReactionEmoji }, { messageId: string; reactions: Reaction[] }>;
  /** Throttled by the server; relayed to the other members of the space as `typing`. */
  typing: Handler<{ channelId: string; typing: boolean }, Record<string, never>>;
  /** Moves the caller's read marker forward to `messageId` (never back). */
  'channel:read': Handler<{ channelId: string; messageId: string }, { channelId: string; unread: number; mentions: number }>;
  'notification:read': Handler<{ ids?: string[]; all?: true }, { unread: number }>;

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

  // ---- Discussion (server/chat) ----
  'message:new': (payload: { message: ChatMessage }) => void;
  /** An edit, a new reply count on a thread's top message, or anything else that changed a message. */
  'message:updated': (payload: { message: ChatMessage }) => void;
  'message:deleted': (payload: { messageId: string; channelId: string; spaceId: string; parentId: string | null }) => void;
  'reaction:updated': (payload: { messageId: string; channelId: string; spaceId: string; reactions: Reaction[] }) => void;
  typing: (payload: { spaceId: string; channelId: string; user: PublicUser; typing: boolean }) => void;
  /** A channel was created, renamed or archived. */
  'channel:updated': (payload: { channel: Channel }) => void;
  /** To the user's own sockets: a read marker moved (in another tab, say). */
  'unread:updated': (payload: { spaceId: string; channelId: string; unread: number; mentions: number }) => void;
  /** To the user's own sockets. */
  'notification:new': (payload: { notification: ChatNotification; unread: number }) => void;
  'notification:read': (payload: { unread: number }) => void;
  /** To the user's own sockets: notifications withdrawn because what they were about was removed. */
  'notification:removed': (payload: { ids: string[]; unread: number }) => void;

  // ---- Comments (server/comments) ----
  /** A thread was created or changed (a reply, an edit, a status): to the space's room. */
  'thread:changed': (payload: { thread: ThreadView }) => void;
  /** A thread went with its first comment: to the space's room. */
  'thread:removed': (payload: { docId: string; threadId: string }) => void;

  // ---- Live sessions (server/sessions) ----
  /** After every change, to everyone in the session's room. */
  'session:state': (payload: { state: LiveState }) => void;
  'session:decision': (payload: { sessionId: string; decision: Decision }) => void;
  /** An action item was added or changed. */
  'session:actionItem': (payload: { sessionId: string; actionItem: ActionItem }) => void;
  'vote:results': (payload: { sessionId: string; results: VoteResults }) => void;
  /**
   * A session of the space was created, renamed or rescheduled, started or ended: to every member's
   * sockets (no join needed), so an open Sessions tab refreshes its list.
   */
  'sessions:changed': (payload: { spaceId: string; sessionId: string }) => void;
  // ---- end live sessions ----
}

/** The payload a client sends with event `E`. */
export type ClientPayload<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[0];

/** The `data` of event `E`'s successful ack. */
export type AckData<E extends keyof ClientToServerEvents> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0] extends Ack<infer T> ? T : never;

/** The arguments the server sends with event `E`. */
export type ServerArgs<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>;

export interface SocketData {
  userId: string;
  name: string;
  loginId: string;
}
