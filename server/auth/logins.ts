/**
 * Cookie logins stored in the store. The cookie holds a random token; the store keeps only an HMAC
 * of it (keyed with SESSION_SECRET), so a leaked database does not leak live logins.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import type { Repos, UserRecord } from '../repos';
import type { Bus } from '../bus';

export const SESSION_COOKIE = 'collab_sid';

export interface LoginInfo {
  /** The stored id (HMAC of the token), used to find the login's open sockets. */
  id: string;
  user: UserRecord;
  expiresAt: Date;
}

export interface LoginManager {
  create(userId: string): Promise<{ token: string; id: string; expiresAt: Date }>;
  /** Resolves the login behind a raw cookie header, or null when absent, unknown or expired. */
  fromCookieHeader(header: string | undefined): Promise<LoginInfo | null>;
  /** Ends a login; its sockets close, and so do those of the logins it replaced (`rotate`). */
  revoke(id: string, userId: string): Promise<void>;
  /**
   * Replaces a login with a brand-new one for the same user (after a password change): the old id stops
   * working at once, but the sockets opened under it stay open, since they belong to the same browser. They
   * close when the new login is revoked or expires.
   */
  rotate(id: string, userId: string): Promise<{ token: string; id: string; expiresAt: Date }>;
  /** Remembers a login that holds live sockets, so `sweep` can announce its expiry. */
  watch(info: LoginInfo): void;
  /** Emits `login:revoked` for each watched login that has expired (sockets listening then close). */
  sweep(): void;
  cookie(token: string, secure: boolean): string;
  clearCookie(secure: boolean): string;
  idOf(token: string): string;
}

/** Builds the login manager. */
export function createLoginManager(opts: { repos: Repos; secret: string; ttlMs: number; bus: Bus; now?: () => number }): LoginManager {
  const { repos, secret, ttlMs, bus } = opts;
  const now = opts.now ?? Date.now;
  const idOf = (token: string) => createHmac('sha256', secret).update(token).digest('base64url');
  // Logins with live sockets: id -> owner and expiry (a socket outliving its login is closed by sweep).
  const watched = new Map<string, { userId: string; expiresAt: number }>();
  // Rotated logins: new id -> the earlier ids whose sockets still live under it, and when it expires.
  const rotated = new Map<string, { earlier: string[]; expiresAt: number }>();

  async function create(userId: string) {
    const token = randomBytes(32).toString('base64url');
    const id = idOf(token);
    const createdAt = new Date(now());
    const expiresAt = new Date(createdAt.getTime() + ttlMs);
    await repos.logins.insert({ _id: id, userId, createdAt, expiresAt });
    return { token, id, expiresAt };
  }

  return {
    idOf,
    create,
    async fromCookieHeader(header) {
      if (!header) return null;
      const token = parseCookie(header)[SESSION_COOKIE];
      if (!token || token.length > 128) return null;
      const id = idOf(token);
      const s = await repos.logins.byId(id);
      if (!s || s.expiresAt.getTime() <= now()) return null;
      const user = await repos.users.byId(s.userId);
      // A disabled account's logins are revoked when it is disabled; this also refuses any straggler.
      return user && !user.disabledAt ? { id, user, expiresAt: s.expiresAt } : null;
    },
    async revoke(id, userId) {
      await repos.logins.delete(id);
      const ids = [id, ...(rotated.get(id)?.earlier ?? [])];
      rotated.delete(id);
      for (const loginId of ids) {
        watched.delete(loginId);
        bus.emit('login:revoked', { loginId, userId });
      }
    },
    async rotate(id, userId) {
      const fresh = await create(userId);
      await repos.logins.delete(id);
      const earlier = [id, ...(rotated.get(id)?.earlier ?? [])];
      rotated.delete(id);
      const expiresAt = fresh.expiresAt.getTime();
      rotated.set(fresh.id, { earlier, expiresAt });
      // The old ids' sockets now live as long as the new login does.
      for (const e of earlier) {
        const w = watched.get(e);
        if (w) w.expiresAt = expiresAt;
      }
      return fresh;
    },
    watch(info) {
      watched.set(info.id, { userId: info.user._id, expiresAt: info.expiresAt.getTime() });
    },
    sweep() {
      const t = now();
      for (const [loginId, w] of watched) {
        if (w.expiresAt > t) continue;
        watched.delete(loginId);
        bus.emit('login:revoked', { loginId, userId: w.userId });
      }
      for (const [id, r] of rotated) if (r.expiresAt <= t) rotated.delete(id);
    },
    cookie(token, secure) {
      return serializeCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', path: '/', secure, maxAge: Math.floor(ttlMs / 1000) });
    },
    clearCookie(secure) {
      return serializeCookie(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', path: '/', secure, maxAge: 0 });
    },
  };
}

/** The login behind an upgrade or handshake request. */
export function cookieHeaderOf(req: IncomingMessage): string | undefined {
  return req.headers.cookie;
}
