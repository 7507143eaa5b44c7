/**
 * Sign-in with the district's accounts against a real OpenID provider (oidc-provider on port 0): create,
 * find again, link by verified email, refuse an unverified one, tampered state and nonce refused, the
 * pre-login session revoked, OIDC_ONLY refusing password sign-up. A small client follows the redirects
 * with one cookie jar per origin, as a browser would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProvider, type OidcPerson, type TestProvider } from '../helpers/oidc';
import { ApiClient, signupUser, startServer, type TestServer } from '../helpers/server';

let provider: TestProvider;
let srv: TestServer;

beforeAll(async () => {
  provider = await startProvider();
  srv = await startServer({ env: { OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: provider.clientId, OIDC_CLIENT_SECRET: provider.clientSecret, OIDC_NAME: 'District Login' } });
  provider.register(`${srv.url}/api/auth/oidc/callback`);
});
afterAll(async () => {
  await srv?.close();
  await provider?.close();
});

/** A browser-like walker: cookies per origin, redirects followed by hand so a test can tamper with one. */
class Walker {
  jars = new Map<string, Map<string, string>>();
  jar(origin: string) {
    if (!this.jars.has(origin)) this.jars.set(origin, new Map());
    return this.jars.get(origin)!;
  }
  /** The app's session cookie as an ApiClient `cookie` value. */
  get appCookie() {
    const v = this.jar(new URL(srv.url).origin).get('collab_sid');
    return v ? `collab_sid=${v}` : '';
  }
  async walk(start: string, tamper: { authorize?: (u: URL) => void; callback?: (u: URL) => void } = {}) {
    let url = new URL(start);
    for (let hops = 0; hops < 20; hops++) {
      const jar = this.jar(url.origin);
      const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      for (const c of res.headers.getSetCookie()) {
        const [pair, ...attrs] = c.split(';');
        const i = pair!.indexOf('=');
        const [name, value] = [pair!.slice(0, i).trim(), pair!.slice(i + 1).trim()];
        if (!value || attrs.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=Thu, 01 Jan 1970/i.test(a.trim()))) jar.delete(name);
        else jar.set(name, value);
      }
      const location = res.headers.get('location');
      if (url.pathname === '/api/auth/oidc/callback' || !location) return { status: res.status, location: location ?? '', body: await res.text() };
      const next = new URL(location, url);
      if (next.origin === provider.issuer && next.pathname === '/auth' && url.pathname === '/api/auth/oidc/start') tamper.authorize?.(next);
      if (next.pathname === '/api/auth/oidc/callback') tamper.callback?.(next);
      url = next;
    }
    throw new Error('too many redirects');
  }
}

const person = (tag: string, over: Partial<OidcPerson> = {}): OidcPerson => ({
  sub: `sub-${tag}-${Math.random().toString(36).slice(2)}`,
  email: `${tag.toLowerCase()}.${Math.random().toString(36).slice(2)}@district.test`,
  email_verified: true,
  name: `${tag} Teacher`,
  ...over,
});

async function signIn(p: OidcPerson, start = '/api/auth/oidc/start', walker = new Walker(), tamper = {}) {
  provider.signInAs(p);
  const result = await walker.walk(srv.url + start, tamper);
  const api = new ApiClient(srv.url);
  api.cookie = walker.appCookie;
  return { result, api, walker };
}

describe('OpenID Connect sign-in', () => {
  it('the options name the provider; a first sign-in creates the account from the verified email and name', async () => {
    expect((await new ApiClient(srv.url).get('/api/auth/options')).body).toEqual({ email: false, oidc: { name: 'District Login' }, passwordSignup: true });
    const p = person('First');
    const { result, api } = await signIn(p);
    expect(result.status).toBe(303);
    expect(result.location).toBe('/');
    const me = await api.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual({ id: expect.any(String), email: p.email, name: 'First Teacher' });
  });

  it('a second sign-in finds the same account, and returns to the page it started from (never off-site)', async () => {
    const p = person('Again');
    const first = await signIn(p);
    const id = (await first.api.get('/api/me')).body.user.id;
    const second = await signIn(p, `/api/auth/oidc/start?next=${encodeURIComponent('/spaces/abc?x=1')}`);
    expect(second.result.location).toBe('/spaces/abc?x=1');
    expect((await second.api.get('/api/me')).body.user.id).toBe(id);
    expect(await srv.store.collection('users').count({ email: p.email })).toBe(1);
    const offsite = await signIn(p, `/api/auth/oidc/start?next=${encodeURIComponent('//evil.example/x')}`);
    expect(offsite.result.location).toBe('/');
  });

  it('links to an existing password account with the same verified email; the password keeps working', async () => {
    const { user, password } = await signupUser(srv.url, 'Linked');
    const { api } = await signIn(person('Linked', { email: user.email.toUpperCase() }));
    expect((await api.get('/api/me')).body.user.id).toBe(user.id);
    expect((await new ApiClient(srv.url).post('/api/auth/login', { email: user.email, password })).status).toBe(200);
  });

  it('an unverified email neither links nor creates an account', async () => {
    const { user } = await signupUser(srv.url, 'Unverified');
    const { result, api } = await signIn(person('Unverified', { email: user.email, email_verified: false }));
    expect(result.location).toBe('/login?error=oidc&reason=unverified_email');
    expect(api.cookie).toBe('');
  });

  it('a tampered state is refused and signs nobody in', async () => {
    const { result, api } = await signIn(person('State'), undefined, undefined, { callback: (u: URL) => u.searchParams.set('state', 'forged-state-value') });
    expect(result.location).toBe('/login?error=oidc&reason=refused');
    expect(api.cookie).toBe('');
  });

  it('a tampered nonce is refused and signs nobody in', async () => {
    const { result, api } = await signIn(person('Nonce'), undefined, undefined, { authorize: (u: URL) => u.searchParams.set('nonce', 'forged-nonce-value') });
    expect(result.location).toBe('/login?error=oidc&reason=refused');
    expect(api.cookie).toBe('');
  });

  it('a callback without the pending-login cookie (another browser) is refused; so is a replayed callback', async () => {
    const walker = new Walker();
    let callback: URL | null = null;
    provider.signInAs(person('Replay'));
    await walker.walk(`${srv.url}/api/auth/oidc/start`, { callback: (u) => (callback = new URL(u)) });
    const other = await new Walker().walk(callback!.href);
    expect(other.location).toBe('/login?error=oidc&reason=expired');
    const replay = await walker.walk(callback!.href);
    expect(replay.location).toBe('/login?error=oidc&reason=expired');
  });

  it('same session rules as a password log-in: a new session id, the pre-login session revoked', async () => {
    const { client } = await signupUser(srv.url, 'Before');
    const walker = new Walker();
    walker.jar(new URL(srv.url).origin).set('collab_sid', client.cookie.split('=')[1]!);
    const { api } = await signIn(person('After'), undefined, walker);
    expect(api.cookie).not.toBe(client.cookie);
    expect((await client.get('/api/me')).status).toBe(401);
    expect((await api.get('/api/me')).status).toBe(200);
  });
});

describe('OIDC_ONLY', () => {
  it('refuses password sign-up and says so in the options', async () => {
    const only = await startServer({ env: { OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: provider.clientId, OIDC_CLIENT_SECRET: provider.clientSecret, OIDC_ONLY: 'true' } });
    try {
      const c = new ApiClient(only.url);
      expect((await c.get('/api/auth/options')).body).toMatchObject({ passwordSignup: false, oidc: { name: 'your organization' } });
      const res = await c.post('/api/auth/signup', { email: 'pw@district.test', password: 'correct horse battery', name: 'Password Person' });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      expect(await only.store.collection('users').count({})).toBe(0);
    } finally {
      await only.close();
    }
  });

  it('without a provider the sign-in addresses are 404', async () => {
    const plain = await startServer();
    try {
      const res = await new ApiClient(plain.url).get('/api/auth/oidc/start');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    } finally {
      await plain.close();
    }
  });
});
