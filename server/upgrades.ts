/**
 * The HTTP server's `upgrade` guard. Node hands every upgrade request to the 'upgrade' listeners and
 * never answers it itself once one exists; Engine.io (with destroyUpgrade off, so the collab core may
 * authenticate asynchronously) and the collab core each answer only their own paths. Without this guard
 * an upgrade to any other path was held open forever. Here: an unclaimed path gets 404 at once; a claimed
 * one that has written nothing (no 101, no refusal) after `handshakeMs` gets 503 and is closed.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { refuse } from './collab/upgrade';

export interface UpgradeGuardOptions {
  /** Path prefixes whose listeners answer their upgrades ('/yjs' claims '/yjs' and '/yjs/...'). */
  claimed: string[];
  /** How long a claimed upgrade may take to answer (default 5 s). */
  handshakeMs?: number;
}

const pathOf = (url: string | undefined) => (url ?? '').split('?', 1)[0]!;

/** True when `path` falls under `prefix` ('/socket.io/' claims what starts with it; '/yjs' claims '/yjs' and '/yjs/...'). */
export function claims(prefix: string, path: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix);
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Adds the guard to `server`; returns the function that removes it. */
export function guardUpgrades(server: HttpServer, opts: UpgradeGuardOptions): () => void {
  const handshakeMs = opts.handshakeMs ?? 5_000;
  const listener = (req: IncomingMessage, socket: Duplex) => {
    const path = pathOf(req.url);
    if (!opts.claimed.some((p) => claims(p, path))) {
      socket.on('error', () => socket.destroy());
      refuse(socket, 'not_found', 'Nothing here accepts a WebSocket.');
      return;
    }
    const timer = setTimeout(() => {
      // bytesWritten counts queued bytes too: a 101 or a refusal shows, an idle socket does not.
      if (socket.destroyed || (socket as Socket).bytesWritten > 0) return;
      refuse(socket, 'unavailable', 'The connection could not be opened in time. Please try again.');
    }, handshakeMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
  server.on('upgrade', listener);
  return () => server.off('upgrade', listener);
}
