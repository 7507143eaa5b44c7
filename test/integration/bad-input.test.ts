/**
 * The bad-input table: every foundation endpoint that takes input, fed wrong types, missing and unknown
 * fields, over-long strings, operator objects, prototype keys, broken JSON and non-JSON bodies. Each must
 * answer 400 invalid_payload naming the field, store nothing, never leak HTML or a stack trace, and leave
 * the server answering the next request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, signupUser, startServer, type ApiResponse, type TestServer } from '../helpers/server';

let srv: TestServer;
let fac: Awaited<ReturnType<typeof signupUser>>;
let other: Awaited<ReturnType<typeof signupUser>>;
let spaceId: string;
let listedId: string;
let inviteCode: string;
let requestId: string;

const COLLECTIONS = ['users', 'sessions', 'spaces', 'memberships', 'invites', 'joinRequests', 'channels'];

/** Everything the foundation stores, as one comparable string. */
async function fingerprint(): Promise<string> {
  const parts: unknown[] = [];
  for (const c of COLLECTIONS) parts.push(await srv.store.collection(c).find({}, { sort: { _id: 1 } }));
  return JSON.stringify(parts);
}

function expectContractError(res: ApiResponse, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
  const raw = JSON.stringify(res.body);
  expect(raw).not.toMatch(/<html|<!doctype/i);
  expect(raw).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack frames
  expect(raw).not.toMatch(/node_modules|SyntaxError|TypeError/);
}

interface Endpoint {
  name: string;
  method: 'POST' | 'PATCH';
  path: () => string;
  /** A body that would be accepted; cases replace one field at a time. */
  valid: () => Record<string, unknown>;
  /** Fields that must be present. */
  required: string[];
  /** Per field: values of the wrong type or shape. */
  wrong: Record<string, unknown[]>;
  /** Per field: a string longer than its limit. */
  tooLong: Record<string, string>;
  /** The client that calls it (signup/login are anonymous). */
  as: () => ApiClient;
}

const long = (n: number) => 'a'.repeat(n + 1);
const anon = () => new ApiClient(srv.url);

const ENDPOINTS: Endpoint[] = [
  {
    name: 'signup',
    method: 'POST',
    path: () => '/api/auth/signup',
    valid: () => ({ email: 'new.person@school.test', password: 'long enough pw', name: 'New Person' }),
    required: ['email', 'password', 'name'],
    wrong: {
      email: [42, true, ['a@b.co'], { $ne: null }, null, 'not-an-email', ''],
      password: [12345678, { $gt: '' }, null, 'short'],
      name: [7, { $ne: null }, '   ', 'bell\u0007char'],
    },
    tooLong: { email: `${'a'.repeat(250)}@b.co`, password: long(256), name: long(80) },
    as: anon,
  },
  {
    name: 'login',
    method: 'POST',
    path: () => '/api/auth/login',
    valid: () => ({ email: 'someone@school.test', password: 'whatever pw' }),
    required: ['email', 'password'],
    wrong: { email: [{ $ne: null }, { $regex: '.*' }, 1, null], password: [{ $ne: null }, 0, '', []] },
    tooLong: { password: long(256) },
    as: anon,
  },
  {
    name: 'rename me',
    method: 'PATCH',
    path: () => '/api/me',
    valid: () => ({ name: 'Renamed Person' }),
    required: ['name'],
    wrong: { name: [7, { $ne: null }, '', '   ', null, ['x'], 'bell\u0007char'] },
    tooLong: { name: long(80) },
    as: () => fac.client,
  },
  {
    name: 'change password',
    method: 'POST',
    path: () => '/api/me/password',
    valid: () => ({ currentPassword: 'correct horse battery', newPassword: 'a new long password' }),
    required: ['currentPassword', 'newPassword'],
    // Only values refused before the password check: a wrong string would count as a failed log-in.
    wrong: { currentPassword: [{ $ne: null }, 0, '', null], newPassword: [12345678, { $gt: '' }, null, 'short'] },
    tooLong: { currentPassword: long(256), newPassword: long(256) },
    as: () => fac.client,
  },
  {
    name: 'create space',
    method: 'POST',
    path: () => '/api/spaces',
    valid: () => ({ name: 'A new space', kind: 'plc', description: 'desc', visibility: 'listed' }),
    required: ['name', 'kind'],
    wrong: { name: [1, { $ne: null }, '', null], kind: ['castle', 3, { $in: ['plc'] }], description: [5, { $ne: null }, 'ctl\u0002'], visibility: ['public', true] },
    tooLong: { name: long(100), description: long(2000) },
    as: () => fac.client,
  },
  {
    name: 'update space',
    method: 'PATCH',
    path: () => `/api/spaces/${spaceId}`,
    valid: () => ({ name: 'Renamed', description: 'new', visibility: 'listed' }),
    required: [],
    wrong: { name: [1, '', { $set: { x: 1 } }], description: [[]], visibility: ['everyone'] },
    tooLong: { name: long(100), description: long(2000) },
    as: () => fac.client,
  },
  {
    name: 'create invite',
    method: 'POST',
    path: () => `/api/spaces/${spaceId}/invites`,
    valid: () => ({ role: 'member', maxUses: 3, expiresInHours: 24 }),
    required: ['role'],
    wrong: {
      role: ['owner', 'admin', 1, { $ne: null }, null],
      maxUses: [0, -1, 1.5, '3', 1001, { $gt: 0 }],
      expiresInHours: [0, -5, '24', 24 * 90 + 1, { $lt: 1 }],
    },
    tooLong: {},
    as: () => fac.client,
  },
  {
    name: 'change role',
    method: 'PATCH',
    path: () => `/api/spaces/${spaceId}/members/${other.user.id}`,
    valid: () => ({ role: 'guest' }),
    required: ['role'],
    wrong: { role: ['superuser', 2, { $ne: 'x' }, null] },
    tooLong: {},
    as: () => fac.client,
  },
  {
    name: 'join request',
    method: 'POST',
    path: () => `/api/spaces/${listedId}/join-requests`,
    valid: () => ({ message: 'Hello' }),
    required: [],
    wrong: { message: [1, { $ne: null }, ['x'], 'bell\u0007'] },
    tooLong: { message: long(500) },
    as: () => other.client,
  },
  {
    name: 'accept invite',
    method: 'POST',
    path: () => `/api/invites/${inviteCode}/accept`,
    valid: () => ({}),
    required: [],
    wrong: {},
    tooLong: {},
    as: () => other.client,
  },
  {
    name: 'leave',
    method: 'POST',
    path: () => `/api/spaces/${spaceId}/leave`,
    valid: () => ({}),
    required: [],
    wrong: {},
    tooLong: {},
    as: () => other.client,
  },
  {
    name: 'approve join request',
    method: 'POST',
    path: () => `/api/spaces/${listedId}/join-requests/${requestId}/approve`,
    valid: () => ({}),
    required: [],
    wrong: {},
    tooLong: {},
    as: () => fac.client,
  },
];

interface Case {
  label: string;
  body: string;
  contentType?: string;
  status?: number;
  code?: string;
  /** The field details.fields must name (omitted: only the shape is checked). */
  field?: string;
}

function casesFor(e: Endpoint): Case[] {
  const json = (o: unknown) => JSON.stringify(o);
  const out: Case[] = [];
  for (const f of e.required) {
    const b = e.valid();
    delete b[f];
    out.push({ label: `missing ${f}`, body: json(b), field: f });
  }
  for (const [f, values] of Object.entries(e.wrong)) {
    for (const v of values) out.push({ label: `${f} = ${json(v)}`, body: json({ ...e.valid(), [f]: v }), field: f });
  }
  for (const [f, v] of Object.entries(e.tooLong)) out.push({ label: `${f} too long (${v.length} chars)`, body: json({ ...e.valid(), [f]: v }), field: f });
  const validJson = json(e.valid());
  const withKey = (raw: string) => (validJson === '{}' ? `{${raw}}` : `{${raw},${validJson.slice(1)}`);
  out.push({ label: 'unknown field', body: json({ ...e.valid(), isAdmin: true }), field: 'isAdmin' });
  out.push({ label: '__proto__ key', body: withKey('"__proto__":{"isAdmin":true}'), field: '__proto__' });
  out.push({ label: 'constructor key', body: withKey('"constructor":{"prototype":{"isAdmin":true}}'), field: 'constructor' });
  out.push({ label: 'top-level array', body: '[]' });
  out.push({ label: 'top-level string', body: '"hello"' });
  out.push({ label: 'malformed JSON', body: '{"name": "x",', field: 'body' });
  out.push({ label: 'non-JSON content type', body: 'name=x&kind=plc', contentType: 'application/x-www-form-urlencoded', field: 'body' });
  out.push({ label: 'text/plain JSON', body: validJson, contentType: 'text/plain', field: 'body' });
  out.push({ label: 'body over 100kb', body: json({ ...e.valid(), pad: 'x'.repeat(110_000) }), status: 413, code: 'payload_too_large' });
  return out;
}

beforeAll(async () => {
  srv = await startServer();
  [fac, other] = await Promise.all([signupUser(srv.url, 'BadInputFac'), signupUser(srv.url, 'BadInputOther')]);
  spaceId = (await fac.client.post('/api/spaces', { name: 'Target', kind: 'plc' })).body.space.id;
  listedId = (await fac.client.post('/api/spaces', { name: 'Listed target', kind: 'lab', visibility: 'listed' })).body.space.id;
  const third = await signupUser(srv.url, 'BadInputThird');
  requestId = (await third.client.post(`/api/spaces/${listedId}/join-requests`, {})).body.joinRequest.id;
  inviteCode = (await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' })).body.invite.code;
  expect((await other.client.post(`/api/invites/${inviteCode}/accept`)).status).toBe(200);
});
afterAll(async () => {
  await srv?.close();
});

describe.each(ENDPOINTS)('$method $name', (e) => {
  it.each(casesFor(e))('$label', async (c) => {
    const before = await fingerprint();
    const client = e.as();
    const res = await client.request(e.method, e.path(), c.body, { 'content-type': c.contentType ?? 'application/json' });
    expectContractError(res, c.status ?? 400, c.code ?? 'invalid_payload');
    if (c.field !== undefined) {
      const fields = (res.body.error.details?.fields ?? []) as Array<{ field: string; message: string }>;
      expect(fields.map((f) => f.field).join(' | ')).toContain(c.field);
      for (const f of fields) expect(typeof f.message).toBe('string');
    }
    expect(await fingerprint()).toBe(before);
    // The process is still up and serving.
    expect((await fac.client.get('/api/me')).status).toBe(200);
  });
});

describe('query strings and path parameters', () => {
  it.each([
    ['?kind=castle', 'kind'],
    ['?q=' + 'x'.repeat(101), 'q'],
    ['?q=a&q=b', 'q'],
    ['?q[$ne]=x', 'q[$ne]'],
    ['?unknown=1', 'unknown'],
  ])('GET /api/directory%s is 400 naming %s', async (qs, field) => {
    const res = await fac.client.get(`/api/directory${qs}`);
    expectContractError(res, 400, 'invalid_payload');
    expect(res.body.error.details.fields.map((f: any) => f.field).join(' | ')).toContain(field);
  });

  it('ids that cannot exist are 404, not 500', async () => {
    for (const bad of ['%24ne', 'a'.repeat(65), '..%2F..%2Fetc', '%00']) {
      expectContractError(await fac.client.get(`/api/spaces/${bad}`), 404, 'not_found');
      expectContractError(await fac.client.get(`/api/spaces/${bad}/members`), 404, 'not_found');
    }
  });

  it('a malformed percent-encoding is a JSON 400', async () => {
    expectContractError(await fac.client.get('/api/spaces/%E0%A4%A'), 400, 'invalid_payload');
  });
});

describe('unknown API routes and odd bodies', () => {
  it.each([
    ['GET', '/api/nope'],
    ['POST', '/api/nope'],
    ['DELETE', '/api/spaces'],
    ['GET', '/api/spaces/x/y/z'],
    ['GET', '/api'],
  ])('%s %s is a JSON 404', async (method, url) => {
    expectContractError(await fac.client.request(method, url, method === 'GET' ? undefined : {}), 404, 'not_found');
  });

  it('deeply nested JSON is refused cleanly', async () => {
    const deep = `{"name":${'['.repeat(20_000)}${']'.repeat(20_000)},"kind":"plc"}`;
    const before = await fingerprint();
    const res = await fac.client.request('POST', '/api/spaces', deep);
    expectContractError(res, 400, 'invalid_payload');
    expect(await fingerprint()).toBe(before);
    expect((await fac.client.get('/api/me')).status).toBe(200);
  });

  it('a POST without a body still gets a JSON answer', async () => {
    const res = await fetch(`${srv.url}/api/spaces`, { method: 'POST', headers: { cookie: fac.client.cookie } });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('invalid_payload');
  });

  it('an empty body (fetch without one sends Content-Length: 0 and no type) is no body, not a form post', async () => {
    const space = (await fac.client.post('/api/spaces', { name: 'Empty body PLC', kind: 'plc' })).body.space.id;
    const code = (await fac.client.post(`/api/spaces/${space}/invites`, { role: 'member' })).body.invite.code;
    const joiner = await signupUser(srv.url, 'Empty Body');
    const accepted = await fetch(`${srv.url}/api/invites/${code}/accept`, { method: 'POST', headers: { cookie: joiner.client.cookie } });
    expect(accepted.status).toBe(200);
    expect((await accepted.json()).role).toBe('member');
    // A body without a JSON type is still refused.
    const form = await fetch(`${srv.url}/api/spaces/${space}/leave`, { method: 'POST', headers: { cookie: joiner.client.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(form.status).toBe(400);
    const out = await fetch(`${srv.url}/api/auth/logout`, { method: 'POST', headers: { cookie: joiner.client.cookie } });
    expect(out.status).toBe(204);
  });
});

/** Every route the app mounts (features included), read from the live Express router. */
function mountedRoutes(): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  const walk = (stack: any[], depth: number) => {
    for (const layer of stack) {
      if (layer.route) {
        const p: string = layer.route.path;
        if (p.includes('{*')) continue; // the SPA fallback
        for (const m of Object.keys(layer.route.methods)) out.push({ method: m.toUpperCase(), path: depth === 0 ? p : `/api${p}` });
      } else if (layer.handle?.stack) walk(layer.handle.stack, depth + 1);
    }
  };
  walk((srv.app.express as any).router.stack, 0);
  // Fill params with ids that look valid but exist nowhere.
  return out.map((r) => ({ ...r, path: r.path.replace(/:[A-Za-z]+/g, 'AAAAAAAAAAAAAAAA') }));
}

describe('every mounted route (features included)', () => {
  it('finds the routes to check', () => {
    const routes = mountedRoutes();
    expect(routes.length).toBeGreaterThan(20);
    expect(routes).toContainEqual({ method: 'POST', path: '/api/spaces' });
  });

  it('state-changing routes answer broken, non-JSON and oversized bodies with the contract error', async () => {
    const writes = mountedRoutes().filter((r) => r.method !== 'GET');
    for (const r of writes) {
      const label = `${r.method} ${r.path}`;
      const broken = await fac.client.request(r.method, r.path, '{"oops":', { 'content-type': 'application/json' });
      expect(broken.status, label).toBe(400);
      expectContractError(broken, 400, 'invalid_payload');
      const form = await fac.client.request(r.method, r.path, 'a=1', { 'content-type': 'application/x-www-form-urlencoded' });
      expectContractError(form, 400, 'invalid_payload');
      const huge = await fac.client.request(r.method, r.path, JSON.stringify({ pad: 'x'.repeat(110_000) }));
      expect(huge.status, label).toBe(413);
      expectContractError(huge, 413, 'payload_too_large');
    }
    expect((await fac.client.get('/api/me')).status).toBe(200);
  });

  it('no route answers an unknown id or an anonymous caller with a 500, HTML or a stack', async () => {
    const anonClient = new ApiClient(srv.url);
    // Account routes are in the table above; calling logout here would end the session the loop uses.
    for (const r of mountedRoutes().filter((x) => !x.path.startsWith('/api/auth/'))) {
      for (const c of [anonClient, fac.client]) {
        const res = await c.request(r.method, r.path, r.method === 'GET' || r.method === 'DELETE' ? undefined : {});
        const label = `${r.method} ${r.path} ${c === anonClient ? 'anonymous' : 'signed in'}`;
        expect(res.status, label).toBeLessThan(500);
        if (res.status !== 204) expect(res.headers.get('content-type') ?? '', label).toMatch(/json|text\/(plain|markdown|html|csv)/);
        if (res.status >= 400) expectContractError(res, res.status, res.body.error.code);
      }
    }
    expect((await fac.client.get('/api/me')).status).toBe(200);
  });
});
