/**
 * Every HTTP upgrade gets an answer: a path nobody serves is refused with 404 and closed at once (stray
 * upgrades used to be held open forever, so anyone could exhaust the server's file descriptors), and a
 * claimed upgrade that never completes its handshake is answered 503 and closed within a few seconds.
 */
import { createServer, type Server } from 'node:http';
import { connect as tcp } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { guardUpgrades } from '../../server/upgrades';
import { startServer, type TestServer } from '../helpers/server';
import { createSpaceWithOwner, insertDoc, patchCollection, startCollabServer, type CollabTestServer } from '../helpers/collab';

/** Sends a raw upgrade request; resolves with what came back and when the server closed the socket. */
function rawUpgrade(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  { untilClose = true } = {},
): Promise<{ response: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = tcp(port, '127.0.0.1');
    const out = { response: '', ms: 0 };
    socket.on('data', (c: Buffer) => {
      out.response += c.toString();
      if (untilClose) return;
      // The answer is in: keep collecting (a second status line would show) but resolve now.
      out.ms = Date.now() - started;
      resolve(out);
      setTimeout(() => socket.destroy(), 300);
    });
    socket.on('error', reject);
    socket.on('close', () => {
      out.ms ||= Date.now() - started;
      resolve(out);
    });
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe('the whole app', () => {
  let srv: TestServer;
  afterAll(async () => srv?.close());

  it('answers 404 and closes at once for 50 unauthenticated upgrades to paths nobody serves', async () => {
    srv = await startServer();
    const port = portOf(srv.url);
    const paths = ['/', '/nope', '/api/spaces', '/socket.io', '/yjsx/abc', '/%2e%2e/etc'];
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => rawUpgrade(port, paths[i % paths.length]!)));
    for (const r of results) {
      expect(r.response).toMatch(/^HTTP\/1\.1 404 /);
      expect(r.response).toContain('"code":"not_found"');
      expect(r.ms).toBeLessThan(2_000);
    }
  });

  it('leaves the claimed paths to their owners (Socket.IO and /yjs still answer themselves)', async () => {
    const port = portOf(srv.url);
    const yjs = await rawUpgrade(port, '/yjs/AAAAAAAAAAAAAAAAAAAAAA');
    expect(yjs.response).toMatch(/^HTTP\/1\.1 401 /);
    // Engine.io takes its own upgrade (then waits for the client's close frame): one answer, a 101.
    const eio = await rawUpgrade(port, '/socket.io/?EIO=4&transport=websocket', {}, { untilClose: false });
    expect(eio.response).toMatch(/^HTTP\/1\.1 101 /);
    await new Promise((r) => setTimeout(r, 200));
    expect(eio.response.match(/HTTP\/1\.1/g)).toHaveLength(1);
  });
});

describe('a claimed upgrade that never completes', () => {
  let s: CollabTestServer | null = null;
  let bare: Server | null = null;
  afterEach(async () => {
    await s?.close();
    s = null;
    if (bare) await new Promise((r) => bare!.close(r));
    bare = null;
  });

  it('is answered 503 and closed within a few seconds when the document lookup hangs', async () => {
    let hang = false;
    // The docs lookup never answers while `hang` is set: a store that stopped responding.
    const wrapStore = patchCollection('docs', (c) => ({ findOne: (f) => (hang ? new Promise(() => undefined) : c.findOne(f)) }));
    s = await startCollabServer({ wrapStore });
    const space = await createSpaceWithOwner(s.url);
    const docId = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
    hang = true;
    const r = await rawUpgrade(portOf(s.url), `/yjs/${docId}`, { cookie: space.owner.client.cookie });
    expect(r.response).toMatch(/^HTTP\/1\.1 503 /);
    expect(r.ms).toBeGreaterThanOrEqual(4_000);
    expect(r.ms).toBeLessThan(7_000);
  }, 15_000);

  it('the guard alone: a listener that never answers is cut off after handshakeMs', async () => {
    bare = createServer();
    bare.on('upgrade', () => undefined); // claims /held and then does nothing
    guardUpgrades(bare, { claimed: ['/held'], handshakeMs: 300 });
    await new Promise<void>((r) => bare!.listen(0, '127.0.0.1', r));
    const port = (bare.address() as AddressInfo).port;
    const held = await rawUpgrade(port, '/held/x');
    expect(held.response).toMatch(/^HTTP\/1\.1 503 /);
    expect(held.ms).toBeGreaterThanOrEqual(250);
    expect(held.ms).toBeLessThan(2_000);
    const stray = await rawUpgrade(port, '/other');
    expect(stray.response).toMatch(/^HTTP\/1\.1 404 /);
  });
});
