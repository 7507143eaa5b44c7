/** The Socket.IO handshake with the stock client: session cookie, Origin rule, and logout closing sockets. */
import { io as connectIo, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signupUser, startServer, type TestServer } from '../helpers/server';

let srv: TestServer;
const sockets: Socket[] = [];

beforeAll(async () => {
  srv = await startServer();
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});
afterAll(async () => {
  await srv?.close();
});

function open(url: string, headers: Record<string, string>): Socket {
  const s = connectIo(url, { path: '/socket.io', transports: ['websocket'], extraHeaders: headers, reconnection: false, timeout: 5000 });
  sockets.push(s);
  return s;
}

/** Resolves 'connected' or the connect_error message. */
function outcome(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    s.once('connect', () => resolve('connected'));
    s.once('connect_error', (err) => resolve(`error:${err.message}`));
  });
}

describe('Socket.IO handshake', () => {
  it('with a session cookie it connects', async () => {
    const u = await signupUser(srv.url, 'Socketeer');
    const s = open(srv.url, { cookie: u.client.cookie });
    expect(await outcome(s)).toBe('connected');
  });

  it('without a cookie, or with a revoked one, connect_error says authentication_required', async () => {
    expect(await outcome(open(srv.url, {}))).toBe('error:authentication_required');
    expect(await outcome(open(srv.url, { cookie: 'collab_sid=forged-token' }))).toBe('error:authentication_required');
    const u = await signupUser(srv.url, 'Revoked');
    const cookie = u.client.cookie;
    await u.client.post('/api/auth/logout');
    expect(await outcome(open(srv.url, { cookie }))).toBe('error:authentication_required');
  });

  it('a foreign Origin is refused even with a valid cookie; the same origin is fine', async () => {
    const u = await signupUser(srv.url, 'Origins');
    const evil = open(srv.url, { cookie: u.client.cookie, origin: 'https://evil.example' });
    expect(await outcome(evil)).toMatch(/^error:/);
    expect(evil.connected).toBe(false);
    expect(await outcome(open(srv.url, { cookie: u.client.cookie, origin: srv.url }))).toBe('connected');
  });

  it('the polling transport applies the same rules', async () => {
    const u = await signupUser(srv.url, 'Polling');
    const mk = (headers: Record<string, string>) => {
      const s = connectIo(srv.url, { transports: ['polling'], extraHeaders: headers, reconnection: false });
      sockets.push(s);
      return s;
    };
    expect(await outcome(mk({}))).toBe('error:authentication_required');
    expect(await outcome(mk({ cookie: u.client.cookie, origin: 'https://evil.example' }))).toMatch(/^error:/);
    expect(await outcome(mk({ cookie: u.client.cookie }))).toBe('connected');
  });

  it('logout disconnects the open sockets of that session, and only those', async () => {
    const u = await signupUser(srv.url, 'LogsOut');
    const other = await signupUser(srv.url, 'StaysIn');
    const mine = open(srv.url, { cookie: u.client.cookie });
    const theirs = open(srv.url, { cookie: other.client.cookie });
    expect(await outcome(mine)).toBe('connected');
    expect(await outcome(theirs)).toBe('connected');
    const reason = new Promise<string>((resolve) => mine.once('disconnect', (r) => resolve(r)));
    expect((await u.client.post('/api/auth/logout')).status).toBe(204);
    expect(await reason).toBe('io server disconnect');
    expect(mine.connected).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(theirs.connected).toBe(true);
  });

  it('ALLOWED_ORIGINS governs the handshake too', async () => {
    const s = await startServer({ env: { ALLOWED_ORIGINS: 'https://app.example.org' } });
    try {
      const u = await signupUser(s.url, 'Listed');
      expect(await outcome(open(s.url, { cookie: u.client.cookie, origin: 'https://app.example.org' }))).toBe('connected');
      expect(await outcome(open(s.url, { cookie: u.client.cookie, origin: 'https://evil.example' }))).toMatch(/^error:/);
    } finally {
      for (const x of sockets.splice(0)) x.disconnect();
      await s.close();
    }
  });
});
