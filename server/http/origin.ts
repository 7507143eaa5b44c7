/** The cross-site rule of CONTRACT.md, shared by HTTP, the Socket.IO handshake and the Yjs upgrade. */
import type { IncomingMessage } from 'node:http';

/**
 * True when the request may change state: no Origin header (scripts), an origin in ALLOWED_ORIGINS, or,
 * when that list is empty, the same host the request was sent to.
 */
export function originAllowed(req: IncomingMessage, allowed: string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.length > 0) return allowed.includes(origin);
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === req.headers.host;
  } catch {
    return false;
  }
}
