/** Deleting my account over real HTTP: proof required, logins end, what I wrote stays, never the last facilitator. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeSockets, connectSocket, data } from '../helpers/chat';
import { ApiClient, signupUser, startServer, type TestServer } from '../helpers/server';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  closeSockets();
  await srv?.close();
});

const del = (c: ApiClient, body: unknown) => c.request('DELETE', '/api/me', body);

describe('delete my account', () => {
  it('needs my email and password; then every login ends, my membership goes and my messages stay', async () => {
    const fac = await signupUser(srv.url, 'Stays');
    const leaver = await signupUser(srv.url, 'Leaver');
    const spaceId = (await fac.client.post('/api/spaces', { name: 'Keeps going', kind: 'plc' })).body.space.id;
    const code = (await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' })).body.invite.code;
    await leaver.client.post(`/api/invites/${code}/accept`);
    const channelId = (await leaver.client.get(`/api/spaces/${spaceId}/channels`)).body.channels[0].id;
    const socket = await connectSocket(srv.url, leaver.client.cookie);
    data(await call(socket, 'message:send', { channelId, text: 'my last words here', clientMsgId: randomUUID() }));
    const phone = new ApiClient(srv.url);
    await phone.post('/api/auth/login', { email: leaver.user.email, password: leaver.password });

    expect((await del(leaver.client, { confirmEmail: fac.user.email, password: leaver.password })).status).toBe(400);
    const wrong = await del(leaver.client, { confirmEmail: leaver.user.email, password: 'not my password' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.fields[0].field).toBe('password');
    const closed = new Promise<void>((resolve) => socket.on('disconnect', () => resolve()));
    const res = await del(leaver.client, { confirmEmail: leaver.user.email.toUpperCase(), password: leaver.password });
    expect(res.status).toBe(204);
    await closed;
    expect((await leaver.client.get('/api/me')).status).toBe(401);
    expect((await phone.get('/api/me')).status).toBe(401);
    expect((await new ApiClient(srv.url).post('/api/auth/login', { email: leaver.user.email, password: leaver.password })).status).toBe(401);
    const messages = (await fac.client.get(`/api/channels/${channelId}/messages`)).body.messages;
    const mine = messages.find((m: { text: string }) => m.text === 'my last words here');
    // What I wrote stays in the discussion (chat keeps the name it was written under; see the README's gaps).
    expect(mine.author.id).toBe(leaver.user.id);
    const members = (await fac.client.get(`/api/spaces/${spaceId}/members`)).body.members;
    expect(members.map((m: { user: { id: string } }) => m.user.id)).toEqual([fac.user.id]);
    const trail = (await fac.client.get(`/api/spaces/${spaceId}/audit`)).body.entries;
    expect(trail.some((e: { action: string }) => e.action === 'invite.used')).toBe(true);
    // The same email can sign up again as a new person.
    expect((await new ApiClient(srv.url).post('/api/auth/signup', { email: leaver.user.email, password: 'a fresh start', name: 'New' })).status).toBe(201);
  });

  it('is refused while I am the last facilitator of a space with other members; allowed once someone else is', async () => {
    const fac = await signupUser(srv.url, 'Runner');
    const mem = await signupUser(srv.url, 'Helper');
    const spaceId = (await fac.client.post('/api/spaces', { name: 'Needs a runner', kind: 'lab' })).body.space.id;
    await fac.client.post('/api/spaces', { name: 'Just me', kind: 'lab' });
    const code = (await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' })).body.invite.code;
    await mem.client.post(`/api/invites/${code}/accept`);
    const refused = await del(fac.client, { confirmEmail: fac.user.email, password: fac.password });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toEqual({ reason: 'last_facilitator', spaces: ['Needs a runner'] });
    expect((await fac.client.get('/api/me')).status).toBe(200);
    await fac.client.patch(`/api/spaces/${spaceId}/members/${mem.user.id}`, { role: 'facilitator' });
    expect((await del(fac.client, { confirmEmail: fac.user.email, password: fac.password })).status).toBe(204);
    expect((await mem.client.get(`/api/spaces/${spaceId}/members`)).body.members).toHaveLength(1);
  });

  it('signed out: 401', async () => {
    expect((await del(new ApiClient(srv.url), { confirmEmail: 'a@b.test' })).status).toBe(401);
  });
});
