/**
 * The audit trail over real HTTP and Socket.IO: an entry for each recorded action, readable by the space's
 * facilitators only (administrators read everything, with addresses), filters, CSV export, no way to edit
 * it, and retention by the sweep (clock faked).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepAudit } from '../../server/audit/audit';
import { call, closeSockets, connectSocket, data } from '../helpers/chat';
import { ApiClient, signupUser, startServer, type TestServer } from '../helpers/server';

const ADMIN = `admin.${Date.now()}@district.test`;
let srv: TestServer;
let clock = Date.now();

beforeAll(async () => {
  srv = await startServer({ env: { ADMIN_EMAILS: ` ${ADMIN.toUpperCase()} , other@district.test`, TRUST_PROXY: 'true' }, now: () => clock });
});
afterAll(async () => {
  closeSockets();
  await srv?.close();
});

type Entry = { action: string; actor: { id: string; name: string } | null; ip?: string | null; spaceId: string | null; target: { type: string; id: string; label: string | null } | null; details: Record<string, unknown> };

async function admin() {
  const c = new ApiClient(srv.url);
  const res = await c.post('/api/auth/signup', { email: ADMIN, password: 'correct horse battery', name: 'Ada Admin' });
  if (res.status !== 201) expect((await c.post('/api/auth/login', { email: ADMIN, password: 'correct horse battery' })).status).toBe(200);
  return c;
}

describe('audit trail', () => {
  let spaceId = '';
  let fac: Awaited<ReturnType<typeof signupUser>>;
  let mem: Awaited<ReturnType<typeof signupUser>>;

  beforeAll(async () => {
    fac = await signupUser(srv.url, 'Facilitator');
    mem = await signupUser(srv.url, 'Member');
    spaceId = (await fac.client.post('/api/spaces', { name: 'Audited PLC', kind: 'plc' })).body.space.id;
    const code = (await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' })).body.invite.code;
    expect((await mem.client.post(`/api/invites/${code}/accept`)).status).toBe(200);
    // Moderation: the member posts, the facilitator removes it.
    const channels = (await mem.client.get(`/api/spaces/${spaceId}/channels`)).body.channels;
    const ms = await connectSocket(srv.url, mem.client.cookie);
    const fs = await connectSocket(srv.url, fac.client.cookie);
    const sent = data(await call(ms, 'message:send', { channelId: channels[0].id, text: 'something off-topic', clientMsgId: randomUUID() }));
    data(await call(fs, 'message:delete', { messageId: sent.message.id, reason: 'off-topic' }));
    // Documents: archive, restore, export.
    const docId = (await mem.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Unit plan', template: 'blank' })).body.doc.id;
    expect((await fac.client.patch(`/api/docs/${docId}`, { archived: true })).status).toBe(200);
    expect((await fac.client.patch(`/api/docs/${docId}`, { archived: false })).status).toBe(200);
    expect((await mem.client.get(`/api/docs/${docId}/export?format=markdown`)).status).toBe(200);
    // Role change, then removal.
    expect((await fac.client.patch(`/api/spaces/${spaceId}/members/${mem.user.id}`, { role: 'guest' })).status).toBe(200);
    const code2 = (await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'guest', maxUses: 1 })).body.invite.code;
    expect((await fac.client.delete(`/api/spaces/${spaceId}/invites/${code2}`)).status).toBe(204);
    expect((await fac.client.delete(`/api/spaces/${spaceId}/members/${mem.user.id}`)).status).toBe(204);
  });

  it('facilitators read an entry for each action in their space, newest first, without addresses', async () => {
    const res = await fac.client.get(`/api/spaces/${spaceId}/audit`);
    expect(res.status).toBe(200);
    const entries: Entry[] = res.body.entries;
    expect(entries.map((e) => e.action).reverse()).toEqual([
      'invite.created',
      'invite.used',
      'message.moderated',
      'doc.archived',
      'doc.restored',
      'doc.exported',
      'member.role_changed',
      'invite.created',
      'invite.revoked',
      'member.removed',
    ]);
    const byAction = (a: string) => entries.find((e) => e.action === a)!;
    expect(byAction('invite.used').actor).toEqual({ id: mem.user.id, name: 'Member' });
    expect(byAction('member.role_changed')).toMatchObject({ actor: { id: fac.user.id }, spaceId, target: { type: 'user', id: mem.user.id, label: 'Member' }, details: { role: 'guest' } });
    expect(byAction('message.moderated')).toMatchObject({ actor: { id: fac.user.id }, target: { type: 'message' }, details: { reason: 'off-topic', authorId: mem.user.id } });
    expect(byAction('doc.archived').target).toMatchObject({ type: 'doc', label: 'Unit plan' });
    expect(byAction('member.removed').target).toMatchObject({ type: 'user', id: mem.user.id });
    expect(entries.every((e) => !('ip' in e))).toBe(true);
  });

  it('filters by action and actor, pages with before, and exports CSV', async () => {
    const only = (await fac.client.get(`/api/spaces/${spaceId}/audit?action=invite.created`)).body.entries as Entry[];
    expect(only).toHaveLength(2);
    const byMember = (await fac.client.get(`/api/spaces/${spaceId}/audit?actor=${mem.user.id}`)).body.entries as Entry[];
    expect(byMember.map((e) => e.action).sort()).toEqual(['doc.exported', 'invite.used']);
    const page = (await fac.client.get(`/api/spaces/${spaceId}/audit?limit=3`)).body.entries as (Entry & { at: string })[];
    expect(page).toHaveLength(3);
    const csv = await fac.client.get(`/api/spaces/${spaceId}/audit?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="audit-/);
    const lines = (csv.body as string).trimEnd().split('\r\n');
    expect(lines[0]).toBe('at,action,actor,actor_id,ip,space_id,target_type,target_id,target,details');
    expect(lines).toHaveLength(11);
    expect(lines.some((l) => l.includes('message.moderated') && l.includes('"{""reason"":""off-topic""'))).toBe(true);
    expect((await fac.client.get(`/api/spaces/${spaceId}/audit?limit=0`)).status).toBe(400);
    expect((await fac.client.get(`/api/spaces/${spaceId}/audit?sort=1`)).status).toBe(400);
  });

  it('only facilitators (and administrators) read a space trail; nobody edits it', async () => {
    expect((await mem.client.get(`/api/spaces/${spaceId}/audit`)).status).toBe(404); // removed: a stranger to a private space
    const other = await signupUser(srv.url, 'Other');
    const code = (await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' })).body.invite.code;
    await other.client.post(`/api/invites/${code}/accept`);
    const asMember = await other.client.get(`/api/spaces/${spaceId}/audit`);
    expect(asMember.status).toBe(403);
    expect(asMember.body.error.code).toBe('forbidden');
    expect((await new ApiClient(srv.url).get(`/api/spaces/${spaceId}/audit`)).status).toBe(401);
    for (const method of ['POST', 'PATCH', 'DELETE', 'PUT']) {
      expect((await fac.client.request(method, `/api/spaces/${spaceId}/audit`, {})).status).toBe(404);
    }
    const adm = await admin();
    expect((await adm.get(`/api/spaces/${spaceId}/audit`)).body.entries.length).toBeGreaterThan(10);
  });

  it('administrators read everything, with addresses: sign-ins (success and failure) and account changes', async () => {
    const who = await signupUser(srv.url, 'Signer');
    const from = new ApiClient(srv.url, { 'x-forwarded-for': '203.0.113.9' });
    expect((await from.post('/api/auth/login', { email: who.user.email, password: 'wrong password' })).status).toBe(401);
    expect((await from.post('/api/auth/login', { email: who.user.email, password: who.password })).status).toBe(200);
    expect((await from.patch('/api/me', { name: 'Signer Renamed' })).status).toBe(200);
    expect((await from.post('/api/me/password', { currentPassword: who.password, newPassword: 'another good password' })).status).toBe(204);
    expect((await from.post('/api/auth/logout')).status).toBe(204);
    const adm = await admin();
    expect((await adm.get('/api/admin/audit?action=auth.login_failed')).body.entries[0]).toMatchObject({ actor: null, ip: '203.0.113.9', target: { type: 'email', id: who.user.email } });
    const mine = (await adm.get(`/api/admin/audit?actor=${who.user.id}`)).body.entries as Entry[];
    expect(mine.map((e) => e.action).reverse()).toEqual(['account.created', 'auth.login', 'account.renamed', 'account.password_changed', 'auth.logout']);
    expect(mine.find((e) => e.action === 'auth.login')!.ip).toBe('203.0.113.9');
    const scoped = (await adm.get(`/api/admin/audit?spaceId=${spaceId}`)).body.entries as Entry[];
    expect(scoped.every((e) => e.spaceId === spaceId)).toBe(true);
    // Not for anyone else.
    expect((await fac.client.get('/api/admin/audit')).status).toBe(403);
  });

  it('entries older than the retention period are swept; newer ones stay', async () => {
    const before = (await (await admin()).get('/api/admin/audit?limit=1000')).body.entries.length;
    expect(before).toBeGreaterThan(0);
    clock += 399 * 24 * 3600 * 1000;
    const fresh = await signupUser(srv.url, 'Later');
    expect(await sweepAudit(srv.app.ctx)).toBe(0);
    clock += 2 * 24 * 3600 * 1000;
    expect(await sweepAudit(srv.app.ctx)).toBeGreaterThanOrEqual(before);
    const left = (await (await admin()).get('/api/admin/audit?limit=1000')).body.entries as Entry[];
    expect(left.some((e) => e.action === 'account.created' && e.actor?.id === fresh.user.id)).toBe(true);
    expect(left.some((e) => e.spaceId === spaceId)).toBe(false);
  });
});
