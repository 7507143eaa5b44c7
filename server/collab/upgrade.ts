/**
 * Auth at the upgrade: Origin, session cookie, document, membership and role are checked before any
 * document byte is sent. A refused upgrade gets a plain HTTP answer with the contract's JSON error body.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { SAVED_PARAM, YJS_PATH } from '../../shared/collab';
import type { ErrorCode } from '../../shared/errors';
import { ERROR_STATUS } from '../../shared/errors';
import type { Ctx } from '../context';
import type { DocRecord, DocsRepo } from '../docs/records';
import { originAllowed } from '../http/origin';
import { can, type Actor } from '../policies';

/** What a successful check yields. */
export interface UpgradeGrant {
  doc: DocRecord;
  userId: string;
  sessionId: string;
  canEdit: boolean;
  wantsSaved: boolean;
}

/** A refusal: the HTTP status comes from the error code. */
export class UpgradeRefusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'UpgradeRefusal';
  }
}

const DOC_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The doc id of a `/yjs/<docId>` request, `undefined` when the path is not ours, `null` when malformed. */
export function docIdOf(url: string | undefined): { docId: string | null; wantsSaved: boolean } | undefined {
  if (!url) return undefined;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (path !== YJS_PATH && !path.startsWith(`${YJS_PATH}/`)) return undefined;
  const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  const wantsSaved = params.get(SAVED_PARAM) === '1';
  let raw: string;
  try {
    raw = decodeURIComponent(path.slice(YJS_PATH.length + 1));
  } catch {
    return { docId: null, wantsSaved };
  }
  return { docId: DOC_ID.test(raw) ? raw : null, wantsSaved };
}

/** Runs every check in the contract's order; throws UpgradeRefusal. */
export async function authorizeUpgrade(
  ctx: Ctx,
  docs: DocsRepo,
  req: IncomingMessage,
  target: { docId: string | null; wantsSaved: boolean },
): Promise<UpgradeGrant> {
  if (!originAllowed(req, ctx.config.allowedOrigins)) {
    throw new UpgradeRefusal('forbidden', 'This connection came from a site that is not allowed to open documents.');
  }
  const session = await ctx.sessions.fromCookieHeader(req.headers.cookie);
  if (!session) throw new UpgradeRefusal('authentication_required', 'Please log in first.');
  ctx.sessions.watch(session);
  const notFound = new UpgradeRefusal('not_found', 'That document was not found, or you do not have access to it.');
  if (!target.docId) throw notFound;
  const doc = await docs.byId(target.docId);
  if (!doc) throw notFound;
  const space = await ctx.repos.spaces.byId(doc.spaceId);
  if (!space) throw notFound;
  const userId = session.user._id;
  const membership = await ctx.repos.memberships.get(space._id, userId);
  const actor: Actor = { userId, role: membership?.role ?? null };
  // CONTRACT: a non-member gets 403 at the Yjs endpoint (even for a private space).
  if (!can(actor, 'docs.read', space)) throw new UpgradeRefusal('forbidden', 'You are not a member of this space.');
  return {
    doc,
    userId,
    sessionId: session.id,
    // Role only; an archived document is read-only for everyone at the room level (Room.archived).
    canEdit: can(actor, 'docs.edit', space),
    wantsSaved: target.wantsSaved,
  };
}

/** Answers a refused upgrade with HTTP `status` and the contract's JSON error body, then drops the socket. */
export function refuse(socket: Duplex, code: ErrorCode, message: string): void {
  const status = ERROR_STATUS[code];
  const body = JSON.stringify({ error: { code, message } });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
}
