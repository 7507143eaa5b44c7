/**
 * A session that expires while its sockets are open ends them, as a logout does: the Socket.IO socket is
 * disconnected by the server and the /yjs connection closes with 4401. The clock is injected and moved
 * past the session's lifetime; the sweep runs every 50 ms here.
 */
import { io as connectIo, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, synced, waitFor } from '../helpers/collab';
import { signupUser, startServer, type TestServer } from '../helpers/server';

const HOUR = 3_600_000;
let clock = Date.now();
let srv: TestServer;

beforeAll(async () => {
  srv = await startServer({ now: () => clock, sessionSweepMs: 50, env: { SESSION_TTL_HOURS: '1' } });
});
afterAll(async () => {
  await srv?.close();
});

describe('session expiry', () => {
  it('closes the Socket.IO socket and the document connection of an expired session, and only those', async () => {
    const expiring = await signupUser(srv.url, 'Expiring');
    const space = await expiring.client.post('/api/spaces', { name: 'Expiry PLC', kind: 'plc' });
    const doc = await expiring.client.post(`/api/spaces/${space.body.space.id}/docs`, { title: 'Notes', template: 'blank' });
    expect(doc.status, JSON.stringify(doc.body)).toBe(201);

    const io: Socket = connectIo(srv.url, { transports: ['websocket'], extraHeaders: { cookie: expiring.client.cookie }, reconnection: false });
    await new Promise<void>((resolve, reject) => {
      io.once('connect', resolve);
      io.once('connect_error', reject);
    });
    const reasons: string[] = [];
    io.on('disconnect', (reason) => reasons.push(reason));
    const editor = connect(srv.wsUrl, doc.body.doc.id, expiring);
    await synced(editor);

    // Half an hour later a colleague logs in; an hour after the first login only the first session expired.
    clock += HOUR / 2;
    const fresh = await signupUser(srv.url, 'Fresh');
    const freshIo: Socket = connectIo(srv.url, { transports: ['websocket'], extraHeaders: { cookie: fresh.client.cookie }, reconnection: false });
    await new Promise<void>((resolve) => freshIo.once('connect', () => resolve()));

    await new Promise((r) => setTimeout(r, 150));
    expect(io.connected).toBe(true);
    expect(editor.closes).toEqual([]);

    clock += HOUR / 2 + 1000;
    await waitFor(() => reasons.includes('io server disconnect'), 'the expired Socket.IO socket to be disconnected');
    await waitFor(() => editor.closes.some((c) => c.code === 4401), 'the document connection to close with 4401');
    expect(freshIo.connected).toBe(true);
    expect((await expiring.client.get('/api/me')).status).toBe(401);

    editor.destroy();
    io.disconnect();
    freshIo.disconnect();
  });
});
