/**
 * Cookie sessions stored in the store. The cookie holds a random token; the store keeps only an HMAC
 * of it (keyed with SESSION_SECRET), so a leaked database does not leak live sessions.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import type { Repos, UserRecord } from '../repos';
import type { Bus } from '../bus';

export const SESSION_COOKIE = 'collab_sid';

export interface SessionInfo {
  /** The stored id (HMAC of the token), used to find the session's open sockets. */
  id: string;
  user: UserRecord;
  expiresAt: Date;
}

export interface SessionManager {
  create(userId: string): Promise<{ token: string; id: string; expiresAt: Date }>;
  /** Resolves the session behind a raw cookie header, or null when absent, unknown or expired. */
  fromCookieHeader(header: string | undefined): Promise<SessionInfo | null>;
  revoke(id: string, userId: string): Promise<void>;
  /** Remembers a session that holds live sockets, so `sweep` can announce its expiry. */
  watch(info: SessionInfo): void;
  /** Emits `session:revoked` for each watched session that has expired (sockets listening then close). */
  sweep(): void;
  cookie(token: string, secure: boolean): string;
  clearCookie(secure: boolean): string;
  idOf(token: string): string;
}

/** Builds the session manager. */
export function createSessionManager(opts: { repos: Repos; secret: string; ttlMs: number; bus: Bus; now?: () => number }): SessionManager {
  const { repos, secret, ttlMs, bus } = opts;
  const now = opts.now ?? Date.now;
  const idOf = (token: string) => createHmac('sha256', secret).update(token).digest('base64url');
  // Sessions with live sockets: id -> owner and expiry (a socket outliving its session is closed by sweep).
  const watched = new Map<string, { userId: string; expiresAt: number }>();

  return {
    idOf,
    async create(userId) {
      const token = randomBytes(32).toString('base64url');
      const id = idOf(token);
      const createdAt = new Date(now());
      const expiresAt = new Date(createdAt.getTime() + ttlMs);
      await repos.sessions.insert({ _id: id, userId, createdAt, expiresAt });
      return { token, id, expiresAt };
    },
    async fromCookieHeader(header) {
      if (!header) return null;
      const token = parseCookie(header)[SESSION_COOKIE];
      if (!token || token.length > 128) return null;
      const id = idOf(token);
      const s = await repos.sessions.byId(id);
      if (!s || s.expiresAt.getTime() <= now()) return null;
      const user = await repos.users.byId(s.userId);
      return user ? { id, user, expiresAt: s.expiresAt } : null;
    },
    async revoke(id, userId) {
      await repos.sessions.delete(id);
      watched.delete(id);
      bus.emit('session:revoked', { sessionId: id, userId });
    },
    watch(info) {
      watched.set(info.id, { userId: info.user._id, expiresAt: info.expiresAt.getTime() });
    },
    sweep() {
      const t = now();
      for (const [sessionId, w] of watched) {
        if (w.expiresAt > t) continue;
        watched.delete(sessionId);
        bus.emit('session:revoked', { sessionId, userId: w.userId });
      }
    },
    cookie(token, secure) {
      return serializeCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', path: '/', secure, maxAge: Math.floor(ttlMs / 1000) });
    },
    clearCookie(secure) {
      return serializeCookie(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', path: '/', secure, maxAge: 0 });
    },
  };
}

/** The session behind an upgrade or handshake request. */
export function cookieHeaderOf(req: IncomingMessage): string | undefined {
  return req.headers.cookie;
}
