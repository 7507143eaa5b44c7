/** Security headers, CSP, and the cross-site rule of CONTRACT.md over real HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, signupUser, startServer, type TestServer } from '../helpers/server';

let srv: TestServer;
let user: Awaited<ReturnType<typeof signupUser>>;

beforeAll(async () => {
  srv = await startServer();
  user = await signupUser(srv.url, 'Secure');
});
afterAll(async () => {
  await srv?.close();
});

const spacesOf = async (c: ApiClient) => ((await c.get('/api/spaces')).body.spaces as { name: string }[]).map((s) => s.name);

describe('security headers', () => {
  it.each(['/healthz', '/api/me', '/api/nope', '/'])('%s carries CSP and the helmet headers', async (url) => {
    const res = await fetch(srv.url + url, { headers: { cookie: user.client.cookie } });
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('cross-site requests (Origin)', () => {
  it('a state-changing request from a foreign Origin is 403 forbidden and changes nothing', async () => {
    const evil = new ApiClient(srv.url, { origin: 'https://evil.example' });
    evil.cookie = user.client.cookie;
    const res = await evil.post('/api/spaces', { name: 'Planted by evil', kind: 'plc' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect(await spacesOf(user.client)).not.toContain('Planted by evil');
    for (const [method, url] of [['PATCH', '/api/spaces/x'], ['DELETE', '/api/spaces/x/members/y'], ['PUT', '/api/anything']] as const) {
      expect((await evil.request(method, url, {})).status).toBe(403);
    }
    // A look-alike host or an opaque origin is foreign too.
    for (const origin of [`http://127.0.0.1:${srv.port}.evil.example`, 'null', `https://127.0.0.1:${srv.port + 1}`, 'not a url']) {
      const r = await new ApiClient(srv.url, { origin, cookie: user.client.cookie }).post('/api/spaces', { name: 'x', kind: 'plc' });
      expect(r.status, origin).toBe(403);
    }
  });

  it('logout and login from a foreign Origin are refused too (the session stays alive)', async () => {
    const evil = new ApiClient(srv.url, { origin: 'https://evil.example' });
    evil.cookie = user.client.cookie;
    expect((await evil.post('/api/auth/logout')).status).toBe(403);
    expect((await user.client.get('/api/me')).status).toBe(200);
    const login = await new ApiClient(srv.url, { origin: 'https://evil.example' }).post('/api/auth/login', { email: user.user.email, password: user.password });
    expect(login.status).toBe(403);
  });

  it('reads from a foreign Origin are not blocked by this rule (CORS keeps the answer from the page)', async () => {
    const evil = new ApiClient(srv.url, { origin: 'https://evil.example' });
    evil.cookie = user.client.cookie;
    const res = await evil.get('/api/me');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('the same origin as the Host is allowed', async () => {
    const same = new ApiClient(srv.url, { origin: srv.url });
    same.cookie = user.client.cookie;
    const res = await same.post('/api/spaces', { name: 'Same origin', kind: 'plc' });
    expect(res.status).toBe(201);
  });

  it('no Origin at all (scripts): judged by the session alone', async () => {
    const res = await user.client.post('/api/spaces', { name: 'From a script', kind: 'lab' });
    expect(res.status).toBe(201);
    const anon = await new ApiClient(srv.url).post('/api/spaces', { name: 'Anonymous script', kind: 'lab' });
    expect(anon.status).toBe(401);
    expect(anon.body.error.code).toBe('authentication_required');
  });
});

describe('ALLOWED_ORIGINS', () => {
  it('only the listed origins may change state when it is set', async () => {
    const s = await startServer({ env: { ALLOWED_ORIGINS: 'https://app.example.org,https://admin.example.org' } });
    try {
      const u = await signupUser(s.url, 'Allowed');
      const from = (origin: string) => new ApiClient(s.url, { origin, cookie: u.client.cookie });
      expect((await from('https://app.example.org').post('/api/spaces', { name: 'From app', kind: 'plc' })).status).toBe(201);
      expect((await from('https://admin.example.org').post('/api/spaces', { name: 'From admin', kind: 'plc' })).status).toBe(201);
      const evil = await from('https://evil.example').post('/api/spaces', { name: 'From evil', kind: 'plc' });
      expect(evil.status).toBe(403);
      // The list replaces the same-origin default.
      expect((await from(s.url).post('/api/spaces', { name: 'From host', kind: 'plc' })).status).toBe(403);
      expect((await spacesOf(u.client)).sort()).toEqual(['From admin', 'From app']);
    } finally {
      await s.close();
    }
  });
});
