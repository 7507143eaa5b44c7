/** Small helpers that keep routes reading like recipes: auth -> validate -> authorize -> command -> present. */
import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { authRequired, fromZod, invalidPayload, notFound } from '../errors';
import type { LoginInfo } from '../auth/logins';
import type { UserRecord } from '../repos';

declare module 'express-serve-static-core' {
  interface Request {
    /** The signed-in login of the request (null when anonymous). */
    login?: LoginInfo | null;
  }
}

/** Parses `value` with `schema` or throws `invalid_payload` naming the fields. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.infer<S> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw fromZod(r.error, where);
  return r.data;
}

/** The signed-in user, or 401. */
export function requireUser(req: Request): UserRecord {
  if (!req.login) throw authRequired();
  return req.login.user;
}

/** The signed-in user's id, or null when anonymous. */
export function userIdOf(req: Request): string | null {
  return req.login?.user._id ?? null;
}

/** A route param (Express 5 types them loosely). */
export function param(req: Request, name: string): string {
  const v = req.params[name];
  return typeof v === 'string' ? v : '';
}

export type Handler = (req: Request, res: Response, next: NextFunction) => Promise<void> | void;

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** A route param that must look like one of our ids; anything else cannot exist, so 404. */
export function idParam(req: Request, name: string, what = 'That'): string {
  const v = param(req, name);
  if (!ID_RE.test(v)) throw notFound(what);
  return v;
}

/**
 * Refuses a request body that is not JSON. Without this, express.json() skips it and the route sees an
 * empty body, so a form post to an endpoint whose fields are all optional would silently succeed.
 */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  // An empty body (`fetch(url, { method: 'POST' })` sends Content-Length: 0 and no type) is no body at all.
  if (req.headers['content-length'] === '0' && req.headers['transfer-encoding'] === undefined) return next();
  if (req.is('application/json') === false) {
    return next(invalidPayload('Send the request body as JSON (Content-Type: application/json).', { fields: [{ field: 'body', message: 'must be JSON' }] }));
  }
  next();
}
