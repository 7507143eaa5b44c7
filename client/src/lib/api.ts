/**
 * The one way the client talks to the HTTP API: same-origin JSON with the session cookie, and every
 * failure thrown as an `ApiError` carrying the contract's `{ code, message, details }`.
 */
import type { ErrorBody } from '../../../shared/errors';

/** An HTTP failure in the contract's shape; `status` 0 means the server could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** A 401 is an expected answer here (boot, login form): do not send the user to the login page. */
  allowAnonymous?: boolean;
}

let onUnauthorized: (() => void) | null = null;

/** Registers what happens when any call answers 401 (main.ts sends the user to /login?next=...). */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

/** Sends one request and returns the parsed JSON body (undefined for 204), or throws `ApiError`. */
export async function request<T>(method: string, url: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: handled below */
  }
  if (!res.ok) {
    const e = (data as { error?: Partial<ErrorBody> } | null)?.error;
    const err = new ApiError(res.status, e?.code ?? 'http_error', e?.message ?? `The server answered ${res.status}. Please try again.`, e?.details);
    if (res.status === 401 && !opts.allowAnonymous) onUnauthorized?.();
    throw err;
  }
  return data as T;
}

type Opts = Omit<RequestOptions, 'body'>;

/** Verb shortcuts; POST/PATCH send `{}` when no body is given. */
export const api = {
  get: <T>(url: string, opts?: Opts) => request<T>('GET', url, opts),
  post: <T>(url: string, body: unknown = {}, opts?: Opts) => request<T>('POST', url, { ...opts, body }),
  patch: <T>(url: string, body: unknown = {}, opts?: Opts) => request<T>('PATCH', url, { ...opts, body }),
  delete: <T = void>(url: string, opts?: Opts) => request<T>('DELETE', url, opts),
};

/** Per-field messages from an `invalid_payload` error (`details.fields`), keyed by field name. */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(err instanceof ApiError)) return out;
  const fields = (err.details as { fields?: { field?: unknown; message?: unknown }[] } | undefined)?.fields;
  if (!Array.isArray(fields)) return out;
  for (const f of fields) {
    if (typeof f?.field === 'string' && typeof f.message === 'string' && !(f.field in out)) out[f.field] = f.message;
  }
  return out;
}

/** A message fit for a role=alert box, whatever was thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return 'Something went wrong. Please try again.';
}

/** True when an error means "this does not exist or you may not see it". */
export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 404 || err.status === 403);
}
