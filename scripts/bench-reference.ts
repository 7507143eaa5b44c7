/**
 * The servers people would pick instead of Collaboratory, started in the benchmark process so that
 * `process.cpuUsage()` is theirs, for `npm run bench -- collab --server ywebsocket|hocuspocus|all`:
 * the reference y-websocket server (@y/websocket-server 0.1.1, `setupWSConnection`) and Hocuspocus 4.7
 * (`@hocuspocus/server`), both memory only, no auth, as PERFORMANCE.md measured them.
 *
 * Hocuspocus multiplexes documents on one socket: every message starts with the document name, and a
 * document must be opened with an Auth message first (`hocuspocusFrame`, `hocuspocusAuth`).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as encoding from 'lib0/encoding';
import { WebSocketServer } from 'ws';

export type ServerKind = 'collaboratory' | 'ywebsocket' | 'hocuspocus';

export interface ReferenceServer {
  ws: string;
  close(): Promise<void>;
}

/** Starts the reference y-websocket server on 127.0.0.1:0; documents are named by the URL's last segment. */
export async function startYWebsocket(): Promise<ReferenceServer> {
  const { setupWSConnection } = (await import('@y/websocket-server/utils')) as { setupWSConnection: (ws: unknown, req: unknown, opts: { docName: string; gc: boolean }) => void };
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  http.on('upgrade', (req, socket, head) => {
    const docName = decodeURIComponent((req.url ?? '/').split('?')[0]!.split('/').pop() ?? '');
    wss.handleUpgrade(req, socket, head, (ws) => setupWSConnection(ws, req, { docName, gc: true }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    ws: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Starts Hocuspocus 4.7 on 127.0.0.1:0, memory only, quiet. */
export async function startHocuspocus(): Promise<ReferenceServer> {
  const { Server } = await import('@hocuspocus/server');
  const server = new Server({ port: 0, address: '127.0.0.1', quiet: true, stopOnSignals: false });
  await server.listen();
  return {
    ws: `ws://127.0.0.1:${server.address.port}`,
    async close() {
      await server.destroy();
    },
  };
}

/** A Hocuspocus frame: the document name, then the y-websocket message. */
export function hocuspocusFrame(docName: string, message: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, docName);
  encoding.writeUint8Array(e, message);
  return encoding.toUint8Array(e);
}

/** The Auth message that opens `docName` on a Hocuspocus socket (token ignored without onAuthenticate). */
export function hocuspocusAuth(docName: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, docName);
  encoding.writeVarUint(e, 2); // MessageType.Auth
  encoding.writeVarUint(e, 0); // AuthMessageType.Token
  encoding.writeVarString(e, 'bench');
  return encoding.toUint8Array(e);
}
