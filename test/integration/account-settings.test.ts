/**
 * Account settings over real HTTP and the stock socket.io-client: PATCH /api/me (rename) and
 * POST /api/me/password (change password, other logins end, this browser gets a new session id).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLimiter } from '../../server/http/rate-limit';
import { call, cid, closeSockets, connectSocket, data, next, spaceWith, type ChatSocket } from '../helpers/chat';
import { ApiClient, signupUser, startServer, type ApiResponse, type TestServer } from '../helpers/server';

let srv: TestServer;

beforeAll(async () => {
  srv = await startServer();
});
afterEach(() => closeSockets());
afterAll(async () => {
  await srv?.close();
});

function expectFieldError(res: ApiResponse, field: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.code).toBe('invalid_payload');
  expect(typeof res.body.error.message).toBe('string');
  const fields = (res.body.error.details?.fields ?? []) as { field: string; message: string }[];
  expect(fields.map((f) => f.field)).toContain(field);
}

const userRecord = (id: string) => srv.store.collection<{ _id: string; name: string; passwordHash: string }>('users').findOne({ _id: id });

/** Resolves with the server's disconnect reason, or rejects when the socket stays connected. */
function disconnected(socket: ChatSocket, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!socket.connected) return resolve('already disconnected');
    const timer = setTimeout(() => reject(new Error('socket was not disconnected')), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

describe('PATCH /api/me (rename)', () => {
  it('changes the name; /api/me and the store show it', async () => {
    const { client, user } = await signupUser(srv.url, 'Typo Nmae');
    const res = await client.patch('/api/me', { name: '  Typo Name  ' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: { id: user.id, email: user.email, name: 'Typo Name' } });
    expect((await client.get('/api/me')).body.user.name).toBe('Typo Name');
    expect((await userRecord(user.id))!.name).toBe('Typo Name');
  });

  it.each([
    ['empty', { name: '' }],
    ['only spaces', { name: '   ' }],
    ['too long', { name: 'a'.repeat(81) }],
    ['a number', { name: 7 }],
    ['null', { name: null }],
    ['an operator object', { name: { $ne: null } }],
    ['a control character', { name: 'bell\u0007' }],
    ['missing', {}],
  ])('a name that is %s is 400 on name and nothing is stored', async (_label, body) => {
    const { client, user } = await signupUser(srv.url, 'Kept Name');
    expectFieldError(await client.patch('/api/me', body), 'name');
    expect((await userRecord(user.id))!.name).toBe('Kept Name');
  });

  it('an unknown field is 400 naming it, and the name stays', async () => {
    const { client, user } = await signupUser(srv.url, 'Strict');
    expectFieldError(await client.patch('/api/me', { name: 'Fine', email: 'evil@x.test' }), 'email');
    expectFieldError(await client.patch('/api/me', { name: 'Fine', passwordHash: 'x' }), 'passwordHash');
    const rec = await userRecord(user.id);
    expect(rec!.name).toBe('Strict');
    expect((await client.get('/api/me')).body.user.email).toBe(user.email);
  });

  it('after a rename, new messages, typing and "Online now" use the new name; old messages keep theirs', async () => {
    const { spaceId, general, fac, people } = await spaceWith(srv.url, [{ name: 'Old Name' }]);
    const renamer = people[0]!;
    const watcher = await connectSocket(srv.url, fac.client.cookie);
    const mine = await connectSocket(srv.url, renamer.client.cookie);
    data(await call(watcher, 'space:join', { spaceId }));
    data(await call(mine, 'space:join', { spaceId }));
    const before = data(await call(mine, 'message:send', { channelId: general, text: 'before the rename', clientMsgId: cid() }));
    expect(before.message.author.name).toBe('Old Name');

    const presence = next(watcher, 'presence', (p) => p.spaceId === spaceId && p.online.some((u) => u.name === 'New Name'));
    expect((await renamer.client.patch('/api/me', { name: 'New Name' })).status).toBe(200);
    const online = await presence;
    expect(online.online.find((u) => u.userId === renamer.user.id)?.name).toBe('New Name');
    expect(online.online.some((u) => u.name === 'Old Name')).toBe(false);

    // The same socket, opened before the rename, now sends under the new name.
    const seen = next(watcher, 'message:new', (p) => p.message.text === 'after the rename');
    const after = data(await call(mine, 'message:send', { channelId: general, text: 'after the rename', clientMsgId: cid() }));
    expect(after.message.author.name).toBe('New Name');
    expect((await seen).message.author.name).toBe('New Name');
    const typing = next(watcher, 'typing', (p) => p.user.id === renamer.user.id);
    data(await call(mine, 'typing', { channelId: general, typing: true }));
    expect((await typing).user.name).toBe('New Name');

    // History is not rewritten.
    const hist = await fac.client.get(`/api/channels/${general}/messages`);
    const byText = new Map((hist.body.messages as { text: string; author: { name: string } }[]).map((m) => [m.text, m.author.name]));
    expect(byText.get('before the rename')).toBe('Old Name');
    expect(byText.get('after the rename')).toBe('New Name');
  });
});

describe('mentions across a rename', () => {
  it('a message that says "@Old Name" keeps mentioning the person when edited after their rename', async () => {
    const { spaceId, general, fac, people } = await spaceWith(srv.url, [{ name: 'Jo Before' }]);
    const jo = people[0]!;
    const s = await connectSocket(srv.url, fac.client.cookie);
    data(await call(s, 'space:join', { spaceId }));
    const sent = data(await call(s, 'message:send', { channelId: general, text: '@Jo Before can you bring the data?', clientMsgId: cid() }));
    expect(sent.message.mentions).toEqual([jo.user.id]);
    expect((await jo.client.patch('/api/me', { name: 'Jo After' })).status).toBe(200);
    const edited = data(await call(s, 'message:edit', { messageId: sent.message.id, text: '@Jo Before can you bring the data on Thursday?' }));
    expect(edited.message.mentions).toEqual([jo.user.id]);
    // The new name works too, and taking the mention out of the text takes it out of the message.
    const fresh = data(await call(s, 'message:send', { channelId: general, text: 'Thanks @Jo After', clientMsgId: cid() }));
    expect(fresh.message.mentions).toEqual([jo.user.id]);
    const unmentioned = data(await call(s, 'message:edit', { messageId: sent.message.id, text: 'Can someone bring the data on Thursday?' }));
    expect(unmentioned.message.mentions).toEqual([]);
    // Former names are not shown anywhere.
    expect(JSON.stringify((await fac.client.get(`/api/spaces/${spaceId}/members`)).body)).not.toContain('Jo Before');
  });
});

describe('POST /api/me/password', () => {
  const NEW = 'a brand new passphrase';

  it('a wrong current password is 400 on currentPassword; nothing changes and the session lives on', async () => {
    const { client, user, password } = await signupUser(srv.url, 'Wrong Current');
    const hash = (await userRecord(user.id))!.passwordHash;
    const cookie = client.cookie;
    const res = await client.post('/api/me/password', { currentPassword: 'not my password', newPassword: NEW });
    expectFieldError(res, 'currentPassword');
    expect(res.body.error.details.fields[0].message).toBe('Current password is wrong');
    expect(res.headers.getSetCookie().some((h) => h.startsWith('collab_sid='))).toBe(false);
    expect(client.cookie).toBe(cookie);
    expect((await userRecord(user.id))!.passwordHash).toBe(hash);
    expect((await client.get('/api/me')).status).toBe(200);
    expect((await new ApiClient(srv.url).post('/api/auth/login', { email: user.email, password })).status).toBe(200);
  });

  it.each([
    ['too short', { currentPassword: 'correct horse battery', newPassword: 'short' }, 'newPassword'],
    ['too long', { currentPassword: 'correct horse battery', newPassword: 'x'.repeat(257) }, 'newPassword'],
    ['not text', { currentPassword: 'correct horse battery', newPassword: 12345678 }, 'newPassword'],
    ['an operator object', { currentPassword: { $ne: null }, newPassword: NEW }, 'currentPassword'],
    ['missing the current one', { newPassword: NEW }, 'currentPassword'],
    ['carrying an unknown field', { currentPassword: 'correct horse battery', newPassword: NEW, userId: 'x' }, 'userId'],
  ])('a body %s is 400 naming the field and changes nothing', async (_label, body, field) => {
    const { client, user } = await signupUser(srv.url, 'Bad Body');
    const hash = (await userRecord(user.id))!.passwordHash;
    expectFieldError(await client.post('/api/me/password', body), field);
    expect((await userRecord(user.id))!.passwordHash).toBe(hash);
    expect((await client.get('/api/me')).status).toBe(200);
  });

  it('success: 204, the new password logs in and the old one does not; other logins end and their sockets close; this browser gets a new session id', async () => {
    const { client, user, password } = await signupUser(srv.url, 'Changer');
    const elsewhere = new ApiClient(srv.url);
    expect((await elsewhere.post('/api/auth/login', { email: user.email, password })).status).toBe(200);
    const otherSocket = await connectSocket(srv.url, elsewhere.cookie);
    const mySocket = await connectSocket(srv.url, client.cookie);
    const otherClosed = disconnected(otherSocket);
    const oldCookie = client.cookie;

    const res = await client.post('/api/me/password', { currentPassword: password, newPassword: NEW });
    expect(res.status).toBe(204);
    const setCookie = res.headers.getSetCookie().find((h) => h.startsWith('collab_sid='))!;
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(client.cookie).not.toBe('');
    expect(client.cookie).not.toBe(oldCookie);

    // This browser stays signed in under the new id; the old id is dead.
    expect((await client.get('/api/me')).body.user.id).toBe(user.id);
    const stale = new ApiClient(srv.url);
    stale.cookie = oldCookie;
    expect((await stale.get('/api/me')).status).toBe(401);
    expect(await srv.store.collection('logins').count({ userId: user.id })).toBe(1);

    // The other login is over, and its socket was closed by the server.
    expect(await otherClosed).toBe('io server disconnect');
    expect((await elsewhere.get('/api/me')).status).toBe(401);
    expect((await elsewhere.post('/api/spaces', { name: 'After the change', kind: 'plc' })).status).toBe(401);

    // This tab's socket carries on.
    expect(mySocket.connected).toBe(true);

    // The old password no longer logs in; the new one does.
    expect((await new ApiClient(srv.url).post('/api/auth/login', { email: user.email, password })).status).toBe(401);
    expect((await new ApiClient(srv.url).post('/api/auth/login', { email: user.email, password: NEW })).status).toBe(200);
    const stored = (await userRecord(user.id))!.passwordHash;
    expect(stored).toMatch(/^scrypt\$/);
    expect(stored).not.toContain(NEW);
  });

  it('a socket kept across the change still closes when this browser logs out afterwards', async () => {
    const { client, password } = await signupUser(srv.url, 'Keeper');
    const socket = await connectSocket(srv.url, client.cookie);
    expect((await client.post('/api/me/password', { currentPassword: password, newPassword: NEW })).status).toBe(204);
    await new Promise((r) => setTimeout(r, 100));
    expect(socket.connected).toBe(true);
    const closed = disconnected(socket);
    expect((await client.post('/api/auth/logout')).status).toBe(204);
    expect(await closed).toBe('io server disconnect');
  });

  it('wrong current passwords count as failed log-ins: the eleventh try is 429, and so is logging in', async () => {
    const { client, user, password } = await signupUser(srv.url, 'Guessed');
    for (let i = 0; i < 10; i++) expectFieldError(await client.post('/api/me/password', { currentPassword: `guess ${i}`, newPassword: NEW }), 'currentPassword');
    const blocked = await client.post('/api/me/password', { currentPassword: password, newPassword: NEW });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await new ApiClient(srv.url).post('/api/auth/login', { email: user.email, password })).status).toBe(429);
    // Nothing changed, and the session itself is not ended by the limit.
    expect((await client.get('/api/me')).status).toBe(200);
  });
});

describe('who may call them', () => {
  it('signed out: both are 401', async () => {
    const anon = new ApiClient(srv.url);
    expect((await anon.patch('/api/me', { name: 'Nobody' })).body.error.code).toBe('authentication_required');
    const res = await anon.post('/api/me/password', { currentPassword: 'whatever pw', newPassword: 'whatever pw 2' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('authentication_required');
  });

  it('from a foreign Origin: both are 403 and nothing changes', async () => {
    const { client, user, password } = await signupUser(srv.url, 'Origin Target');
    const evil = new ApiClient(srv.url, { origin: 'https://evil.example' });
    evil.cookie = client.cookie;
    const rename = await evil.patch('/api/me', { name: 'Pwned' });
    expect(rename.status).toBe(403);
    expect(rename.body.error.code).toBe('forbidden');
    const change = await evil.post('/api/me/password', { currentPassword: password, newPassword: 'attacker chosen pw' });
    expect(change.status).toBe(403);
    expect(evil.cookie).toBe(client.cookie);
    expect((await userRecord(user.id))!.name).toBe('Origin Target');
    expect((await new ApiClient(srv.url).post('/api/auth/login', { email: user.email, password })).status).toBe(200);
  });

  it('count against the per-user write limit', async () => {
    const s = await startServer({ rateLimits: { writesPerUser: createLimiter(2, 60) } });
    try {
      const { client } = await signupUser(s.url, 'Busy');
      expect((await client.patch('/api/me', { name: 'One' })).status).toBe(200);
      expect((await client.patch('/api/me', { name: 'Two' })).status).toBe(200);
      const third = await client.patch('/api/me', { name: 'Three' });
      expect(third.status).toBe(429);
      expect(third.body.error.code).toBe('rate_limited');
    } finally {
      await s.close();
    }
  });
});
