/** Accounts over real HTTP: signup, login, logout, me, session hygiene, rate limits, password storage. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLimiter } from '../../server/http/rate-limit';
import { ApiClient, signupUser, startServer, tempDir, type TestServer } from '../helpers/server';

const PASSWORD = 'correct horse battery';
let srv: TestServer;
let clock = Date.now();

beforeAll(async () => {
  srv = await startServer({ now: () => clock });
});
afterAll(async () => {
  await srv?.close();
});

const uniqueEmail = (tag: string) => `${tag}.${Math.random().toString(36).slice(2)}@School.Test`;

function expectError(res: { status: number; body: any; headers: Headers }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
}

describe('signup, me, login, logout', () => {
  it('signup answers 201 with the user, sets an HttpOnly SameSite=Lax cookie, and /me knows them', async () => {
    const c = new ApiClient(srv.url);
    const email = uniqueEmail('ada');
    const res = await c.post('/api/auth/signup', { email, password: PASSWORD, name: 'Ada Teacher' });
    expect(res.status).toBe(201);
    expect(res.body.user).toEqual({ id: expect.any(String), email: email.toLowerCase(), name: 'Ada Teacher' });
    expect(res.body.user.passwordHash).toBeUndefined();
    const setCookie = res.headers.getSetCookie().find((h) => h.startsWith('collab_sid='))!;
    expect(setCookie).toBeDefined();
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Lax/i);
    expect(setCookie).toMatch(/;\s*Path=\//i);
    const me = await c.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual(res.body.user);
  });

  it('/me without a session is 401 authentication_required', async () => {
    expectError(await new ApiClient(srv.url).get('/api/me'), 401, 'authentication_required');
    const forged = new ApiClient(srv.url);
    forged.cookie = 'collab_sid=not-a-real-session-token';
    expectError(await forged.get('/api/me'), 401, 'authentication_required');
  });

  it('a duplicate email, in any letter case, is 409 conflict and stores nothing', async () => {
    const email = uniqueEmail('dup');
    expect((await new ApiClient(srv.url).post('/api/auth/signup', { email, password: PASSWORD, name: 'First' })).status).toBe(201);
    const again = await new ApiClient(srv.url).post('/api/auth/signup', { email: email.toUpperCase(), password: PASSWORD, name: 'Second' });
    expectError(again, 409, 'conflict');
    expect(again.headers.getSetCookie().some((h) => h.startsWith('collab_sid='))).toBe(false);
    expect(await srv.store.collection('users').count({ email: email.toLowerCase() })).toBe(1);
  });

  it('two signups racing for one email: one 201, one 409, one stored user', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all([
      new ApiClient(srv.url).post('/api/auth/signup', { email, password: PASSWORD, name: 'One' }),
      new ApiClient(srv.url).post('/api/auth/signup', { email: email.toUpperCase(), password: PASSWORD, name: 'Two' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await srv.store.collection('users').count({ email: email.toLowerCase() })).toBe(1);
  });

  it('login is case-insensitive on email; a wrong password or unknown email is 401', async () => {
    const email = uniqueEmail('case');
    await new ApiClient(srv.url).post('/api/auth/signup', { email, password: PASSWORD, name: 'Case' });
    const c = new ApiClient(srv.url);
    expectError(await c.post('/api/auth/login', { email, password: 'wrong password!' }), 401, 'authentication_required');
    expect(c.cookie).toBe('');
    expectError(await c.post('/api/auth/login', { email: uniqueEmail('nobody'), password: PASSWORD }), 401, 'authentication_required');
    const ok = await c.post('/api/auth/login', { email: email.toUpperCase(), password: PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.body.user.email).toBe(email.toLowerCase());
    expect((await c.get('/api/me')).status).toBe(200);
  });

  it('login issues a NEW session id and the pre-login cookie stops working', async () => {
    const { client, user, password } = await signupUser(srv.url, 'Regen');
    const before = client.cookie;
    const res = await client.post('/api/auth/login', { email: user.email, password });
    expect(res.status).toBe(200);
    expect(client.cookie).not.toBe('');
    expect(client.cookie).not.toBe(before);
    expect((await client.get('/api/me')).status).toBe(200);
    const old = new ApiClient(srv.url);
    old.cookie = before;
    expectError(await old.get('/api/me'), 401, 'authentication_required');
  });

  it('logout answers 204, clears the cookie, and revokes the session server-side (replay is 401)', async () => {
    const { client } = await signupUser(srv.url, 'Leaver');
    const cookie = client.cookie;
    const res = await client.post('/api/auth/logout');
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie().find((h) => h.startsWith('collab_sid='))).toMatch(/Max-Age=0/i);
    const replay = new ApiClient(srv.url);
    replay.cookie = cookie;
    expectError(await replay.get('/api/me'), 401, 'authentication_required');
    expectError(await replay.post('/api/spaces', { name: 'After logout', kind: 'plc' }), 401, 'authentication_required');
  });

  it('sessions expire after their lifetime', async () => {
    const { client } = await signupUser(srv.url, 'Expiring');
    expect((await client.get('/api/me')).status).toBe(200);
    clock += 15 * 24 * 3600 * 1000; // default lifetime is 14 days
    try {
      expectError(await client.get('/api/me'), 401, 'authentication_required');
    } finally {
      clock = Date.now();
    }
  });
});

describe('what the store keeps', () => {
  it('never stores the password or the cookie token in plain text', async () => {
    const { client, user, password } = await signupUser(srv.url, 'Secretive');
    const rec = await srv.store.collection<{ _id: string; passwordHash: string }>('users').findOne({ _id: user.id });
    expect(rec).not.toBeNull();
    expect(rec!.passwordHash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(rec)).not.toContain(password);
    // The session id in the store is an HMAC of the cookie token, not the token.
    const token = client.cookie.split('=')[1]!;
    expect(await srv.store.collection('logins').findOne({ _id: token })).toBeNull();
    expect(await srv.store.collection('logins').count({ userId: user.id })).toBe(1);
    // And the raw files on disk (the SQLite database and its write-ahead log) do not contain it either (the
    // integration-mongo project runs this file on MongoDB, whose server owns the bytes).
    if (srv.store.kind === 'embedded') {
      const file = path.join(srv.dataDir, 'collaboratory.sqlite');
      const raw = [file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f, 'latin1')).join('');
      expect(raw).toContain(user.id);
      expect(raw).not.toContain(password);
    }
  });
});

describe('login rate limits', () => {
  // Issue 11 defect "Anyone can lock a teacher out": ten wrong passwords used to make the RIGHT password
  // fail with 429 from every address for 15 minutes. Guessing stays throttled; the owner still gets in.
  describe('guessing is throttled without locking the owner out', () => {
    let proxied: TestServer;
    beforeAll(async () => {
      proxied = await startServer({ env: { TRUST_PROXY: 'true' } });
    });
    afterAll(async () => {
      await proxied?.close();
    });
    const from = (ip: string) => new ApiClient(proxied.url, { 'x-forwarded-for': ip });

    it('ten failures from one address: that address is refused (429) even with the right password; the owner from another address gets in', async () => {
      const { user, password } = await signupUser(proxied.url, 'Targeted');
      const attacker = from('203.0.113.5');
      for (let i = 0; i < 10; i++) {
        expectError(await attacker.post('/api/auth/login', { email: user.email, password: `guess number ${i}` }), 401, 'authentication_required');
      }
      const blocked = await attacker.post('/api/auth/login', { email: user.email.toUpperCase(), password });
      expectError(blocked, 429, 'rate_limited');
      expect(blocked.body.error.message).toMatch(/too many failed log-in attempts/i);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(attacker.cookie).toBe('');
      const owner = from('198.51.100.7');
      expect((await owner.post('/api/auth/login', { email: user.email, password })).status).toBe(200);
      expect(owner.cookie).not.toBe('');
      // Another account from the attacker's address is unaffected.
      const other = await signupUser(proxied.url, 'Bystander');
      expect((await from('203.0.113.5').post('/api/auth/login', { email: other.user.email, password: other.password })).status).toBe(200);
    });

    it('under a many-address attack each address gets one guess, and the owner from a clean address still gets in', async () => {
      const { user, password } = await signupUser(proxied.url, 'Besieged');
      // Thirty failures from three addresses put the account under attack.
      for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
        for (let i = 0; i < 10; i++) expect((await from(ip).post('/api/auth/login', { email: user.email, password: `botnet ${i}` })).status).toBe(401);
      }
      // A fresh attacker address: one guess, then refused.
      const fresh = from('192.0.2.50');
      expectError(await fresh.post('/api/auth/login', { email: user.email, password: 'one more guess' }), 401, 'authentication_required');
      expectError(await fresh.post('/api/auth/login', { email: user.email, password: 'and another' }), 429, 'rate_limited');
      // Parallel guesses from another fresh address: only one is ever checked.
      const burst = await Promise.all(Array.from({ length: 5 }, (_, i) => from('192.0.2.60').post('/api/auth/login', { email: user.email, password: `burst ${i}` })));
      expect(burst.map((r) => r.status).sort()).toEqual([401, 429, 429, 429, 429]);
      // The owner, from an address that has not failed, gets in with the right password.
      const owner = from('198.51.100.8');
      expect((await owner.post('/api/auth/login', { email: user.email, password })).status).toBe(200);
      expect((await owner.get('/api/me')).body.user.id).toBe(user.id);
    });
  });

  it('per account, concurrent guesses: no more than ten are ever checked', async () => {
    // Regression: failures were counted after the (slow) password check, so parallel guesses all got in.
    const { user } = await signupUser(srv.url, 'Parallel');
    const attacker = new ApiClient(srv.url);
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => attacker.post('/api/auth/login', { email: user.email, password: `parallel guess ${i}` })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
  });

  it('per IP: past the limit every login from that address is 429', async () => {
    const s = await startServer({ rateLimits: { loginPerIp: createLimiter(3, 60, 'Too many log-in attempts from your network.') } });
    try {
      const { user, password } = await signupUser(s.url, 'Shared');
      const c = new ApiClient(s.url);
      for (let i = 0; i < 3; i++) expect((await c.post('/api/auth/login', { email: `x${i}@school.test`, password: 'whatever1' })).status).toBe(401);
      const res = await c.post('/api/auth/login', { email: user.email, password });
      expectError(res, 429, 'rate_limited');
      expect(res.body.error.message).toMatch(/too many/i);
    } finally {
      await s.close();
    }
  });
});

describe('restart', () => {
  it('a session survives an app restart on the same DATA_DIR', async () => {
    const dataDir = tempDir();
    const first = await startServer({ dataDir });
    const { client, user } = await signupUser(first.url, 'Restarted');
    await first.close({ keepData: true });
    const second = await startServer({ dataDir });
    try {
      const c = new ApiClient(second.url);
      c.cookie = client.cookie;
      const me = await c.get('/api/me');
      expect(me.status).toBe(200);
      expect(me.body.user.id).toBe(user.id);
    } finally {
      await second.close();
    }
  });
});
