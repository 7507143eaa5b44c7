/** Error factories with stable codes; the HTTP error middleware and socket acks turn them into the contract shape. */
import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '../shared/errors';
import type { ZodError } from 'zod';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
  toBody(): ErrorBody {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}

export const invalidPayload = (message: string, details?: unknown) => new AppError('invalid_payload', message, details);
export const authRequired = (message = 'Please log in first.') => new AppError('authentication_required', message);
export const forbidden = (message = 'You do not have permission to do that.') => new AppError('forbidden', message);
export const notFound = (what = 'That') => new AppError('not_found', `${what} was not found, or you do not have access to it.`);
export const conflict = (message: string, details?: unknown) => new AppError('conflict', message, details);
export const gone = (message: string, details?: unknown) => new AppError('gone', message, details);
export const rateLimited = (message = 'Too many requests. Please wait a moment and try again.', details?: unknown) =>
  new AppError('rate_limited', message, details);
export const tooLarge = (message = 'That is too large.') => new AppError('payload_too_large', message);

/** Turns a zod failure into `invalid_payload`, naming each bad field. */
export function fromZod(err: ZodError, where = 'body'): AppError {
  const fields = err.issues.map((i) => ({
    field: i.path.length ? i.path.join('.') : i.code === 'unrecognized_keys' ? (i as { keys?: string[] }).keys?.join(', ') ?? where : where,
    message: i.message,
  }));
  const first = fields[0];
  const message = first ? `${first.field}: ${first.message}` : 'Invalid input.';
  return invalidPayload(message, { fields });
}

/** Converts anything thrown into an AppError; unknown errors become `internal` without leaking details. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('internal', 'Something went wrong on our side. Please try again.');
}
