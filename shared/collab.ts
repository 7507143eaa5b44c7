/**
 * The Yjs WebSocket protocol as Collaboratory speaks it (CONTRACT.md "Documents"): the standard
 * y-websocket message types, our saved acknowledgement, and the close codes. Shared by the server's
 * collab core and the client's editor so both ends name the same numbers.
 */

/** URL path prefix of the collab endpoint: `ws://HOST/yjs/:docId`. */
export const YJS_PATH = '/yjs';

/** y-websocket message types (first var-uint of every message). */
export const messageSync = 0;
export const messageAwareness = 1;
export const messageAuth = 2;
export const messageQueryAwareness = 3;
/**
 * Saved acknowledgement: payload is one var-length Uint8Array holding `Y.encodeStateVector` of the
 * durably stored state. Sent only to connections opened with `?saved=1`.
 */
export const messageSaved = 100;

/** Query parameter a client sets (`saved=1`) to receive saved acknowledgements. */
export const SAVED_PARAM = 'saved';

/** Close codes of a connection closed after the upgrade (4400-4499: the stock client does not reconnect). */
export const CLOSE_INVALID_MESSAGE = 4400;
export const CLOSE_AUTH_REQUIRED = 4401;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_TOO_LARGE = 4413;
export const CLOSE_RATE_LIMITED = 4429;
/** The document was archived while open: it is read-only now (reopen to read it). */
export const CLOSE_ARCHIVED = 4410;
/** Standard codes we also use (the stock client reconnects after these). */
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_INTERNAL_ERROR = 1011;
/** A client too slow to read what the server sends; it reconnects and resyncs. */
export const CLOSE_TRY_AGAIN_LATER = 1013;

export type CollabCloseCode =
  | typeof CLOSE_INVALID_MESSAGE
  | typeof CLOSE_AUTH_REQUIRED
  | typeof CLOSE_FORBIDDEN
  | typeof CLOSE_TOO_LARGE
  | typeof CLOSE_RATE_LIMITED
  | typeof CLOSE_ARCHIVED;

/** Human text for each close code (what the editor may show). */
export const CLOSE_REASONS: Record<CollabCloseCode, string> = {
  4400: 'invalid_message',
  4401: 'authentication_required',
  4403: 'forbidden',
  4413: 'payload_too_large',
  4429: 'rate_limited',
  4410: 'archived',
};
