/** Stable error codes shared by HTTP, Socket.IO acks and WebSocket close codes (see CONTRACT.md). */
export const ERROR_STATUS = {
  invalid_payload: 400,
  authentication_required: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The error body every channel uses. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** A Socket.IO acknowledgement: data or error, never both. */
export type Ack<T> = { data: T } | { error: ErrorBody };
