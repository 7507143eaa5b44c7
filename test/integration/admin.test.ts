/**
 * Instance administrators (ADMIN_EMAILS): the overview with activity counts, disabling an account (its
 * logins end at once, its open socket closes, it cannot sign in again until enabled), issuing a reset link;
 * nobody else gets any of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSockets, connectSocket } from '../helpers/chat';
import { ApiClient, signupUser, startServer, type TestServer } from '../helpers/server';

const ADMIN = 'root.admin@district.test';
let srv: TestServer;
let admin: ApiClient;

beforeAll(async () => {
  srv = await startServer({ env: { ADMIN_EMAILS: ADMIN } });
  admin = new ApiClient(srv.url);
  expect((await admin.post('/api/auth/signup', { email: ADMIN, password: 'correct horse battery', name: 'Root Admin' })).status).toBe(201);
});
afterAll(async () => {
  closeSockets();
  await srv?.close();
});

describe('administration', () => {
  it('lists spaces and accounts with member counts and activity; others get 403', async () => {
    const t = await signupUser(srv.url, 'Counted');
    const spaceId = (await t.client.post('/api/spaces', { name: 'Counted space', kind: 'lab' })).body.space.id;
    await t.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' });
    expect((await admin.get('/api/admin/status')).body).toEqual({ admin: true });
    expect((await t.client.get('/api/admin/status')).body).toEqual({ admin: false });
    const res = await admin.get('/api/admin/overview');
    expect(res.status).toBe(200);
    expect(res.body.spaces.find((s: { id: string }) => s.id === spaceId)).toMatchObject({ name: 'Counted space', kind: 'lab', members: 1, activity: 1 });
    expect(res.body.accounts.find((a: { id: string }) => a.id === t.user.id)).toMatchObject({ email: t.user.email, disabled: false, admin: false, spaces: 1, activity: 2 });
    expect(res.body.accounts.find((a: { email: string }) => a.email === ADMIN)).toMatchObject({ admin: true });
    const refused = await t.client.get('/api/admin/overview');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect((await new ApiClient(srv.url).get('/api/admin/overview')).status).toBe(401);
    expect((await t.client.post(`/api/admin/users/${t.user.id}/reset-link`)).status).toBe(403);
  });

  it('disabling an account ends its logins and closes its sockets at once; it cannot sign in until enabled', async () => {
    const t = await signupUser(srv.url, 'Disabled');
    const socket = await connectSocket(srv.url, t.client.cookie);
    const closed = new Promise<void>((resolve) => socket.on('disconnect', () => resolve()));
    const res = await admin.post(`/api/admin/users/${t.user.id}/disable`);
    expect(res.status).toBe(200);
    expect(res.body.account).toMatchObject({ id: t.user.id, disabled: true });
    await closed;
    expect((await t.client.get('/api/me')).status).toBe(401);
    const again = await new ApiClient(srv.url).post('/api/auth/login', { email: t.user.email, password: t.password });
    expect(again.status).toBe(403);
    expect(again.body.error.message).toMatch(/disabled/);
    // A wrong password still says only "wrong password": a guesser does not learn the account is disabled.
    expect((await new ApiClient(srv.url).post('/api/auth/login', { email: t.user.email, password: 'not the password' })).status).toBe(401);
    expect((await admin.post(`/api/admin/users/${t.user.id}/enable`)).body.account.disabled).toBe(false);
    expect((await new ApiClient(srv.url).post('/api/auth/login', { email: t.user.email, password: t.password })).status).toBe(200);
    const trail = (await admin.get(`/api/admin/audit?actor=${(await admin.get('/api/me')).body.user.id}`)).body.entries.map((e: { action: string }) => e.action);
    expect(trail.slice(0, 2)).toEqual(['admin.account_enabled', 'admin.account_disabled']);
  });

  it('an administrator cannot disable their own account; an unknown account is 404', async () => {
    const me = (await admin.get('/api/me')).body.user.id;
    expect((await admin.post(`/api/admin/users/${me}/disable`)).status).toBe(409);
    expect((await admin.post('/api/admin/users/nobody-here/disable')).status).toBe(404);
    expect((await admin.post(`/api/admin/users/${me}/disable`, { extra: true })).status).toBe(400);
  });

  it('issues a reset link that works once and ends the other logins', async () => {
    const t = await signupUser(srv.url, 'Locked out');
    const res = await admin.post(`/api/admin/users/${t.user.id}/reset-link`);
    expect(res.status).toBe(201);
    const token = (res.body.link as string).split('/reset-password/')[1]!;
    const c = new ApiClient(srv.url);
    expect((await c.post(`/api/auth/password-reset/${token}`, { password: 'handed over by admin' })).status).toBe(200);
    expect((await t.client.get('/api/me')).status).toBe(401);
    expect((await c.post(`/api/auth/password-reset/${token}`, { password: 'handed over twice' })).status).toBe(404);
  });
});
