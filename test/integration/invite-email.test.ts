/** Invite by email with a real SMTP server: each address gets the link, which works; bounded and validated; audited; refused with email off. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtp, type CapturedMail, type TestSmtp } from '../helpers/mail';
import { ApiClient, signupUser, startServer, type TestServer } from '../helpers/server';

const PUBLIC_URL = 'https://collab.district.test';
let smtp: TestSmtp;
let srv: TestServer;
let noMail: TestServer;

beforeAll(async () => {
  smtp = await startSmtp();
  srv = await startServer({ env: { SMTP_URL: smtp.url, PUBLIC_URL } });
  noMail = await startServer();
});
afterAll(async () => {
  await srv?.close();
  await noMail?.close();
  await smtp?.close();
});

const inviteLinkIn = (mail: CapturedMail) => {
  const m = mail.decoded.match(/https:\/\/collab\.district\.test\/invite\/([A-Za-z0-9_-]+)/);
  if (!m) throw new Error(`no invite link in:\n${mail.decoded}`);
  return m[1]!;
};

describe('invite by email', () => {
  it('mails the link to each address, naming the space and who invited; the link joins the space; each address is audited', async () => {
    const fac = await signupUser(srv.url, 'Inez Inviter');
    const spaceId = (await fac.client.post('/api/spaces', { name: 'Grade 7 Math PLC', kind: 'plc' })).body.space.id;
    const stamp = Date.now();
    const a = `Newcomer.${stamp}@School.test`;
    const b = `second.${stamp}@school.test`;
    const res = await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'guest', emails: [a, b, a.toLowerCase()] });
    expect(res.status).toBe(201);
    expect(res.body.emailed).toBe(2);
    const mail = await smtp.waitFor(a.toLowerCase());
    await smtp.waitFor(b);
    expect(smtp.mails.filter((m) => m.to.includes(a.toLowerCase()))).toHaveLength(1);
    expect(mail.decoded).toMatch(/Subject: Inez Inviter invited you to Grade 7 Math PLC on Collaboratory/);
    expect(mail.decoded).toMatch(/as a guest/);
    const code = inviteLinkIn(mail);
    expect(code).toBe(res.body.invite.code);

    const newcomer = new ApiClient(srv.url);
    expect((await newcomer.post('/api/auth/signup', { email: a, password: 'a good password', name: 'New Colleague' })).status).toBe(201);
    const joined = await newcomer.post(`/api/invites/${code}/accept`);
    expect(joined.status).toBe(200);
    expect(joined.body.role).toBe('guest');
    expect(joined.body.space.id).toBe(spaceId);

    const trail = (await fac.client.get(`/api/spaces/${spaceId}/audit`)).body.entries as { action: string; target: { id: string } | null }[];
    const mailed = trail.filter((e) => e.action === 'invite.emailed').map((e) => e.target?.id);
    expect(mailed.sort()).toEqual([a.toLowerCase(), b].sort());
  });

  it('refuses bad addresses, more than 20, and non-facilitators, storing and mailing nothing', async () => {
    const fac = await signupUser(srv.url, 'Careful Inviter');
    const spaceId = (await fac.client.post('/api/spaces', { name: 'Bounds', kind: 'lab' })).body.space.id;
    const before = smtp.mails.length;
    const bad = await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member', emails: ['not-an-address'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_payload');
    const many = Array.from({ length: 21 }, (_, i) => `p${i}@school.test`);
    expect((await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member', emails: many })).status).toBe(400);
    expect((await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member', emails: [`${'x'.repeat(250)}@school.test`] })).status).toBe(400);
    expect((await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member', emails: 'a@school.test' })).status).toBe(400);
    const code = (await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' })).body.invite.code;
    const member = await signupUser(srv.url, 'Plain Member');
    await member.client.post(`/api/invites/${code}/accept`);
    expect((await member.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member', emails: ['friend@school.test'] })).status).toBe(403);
    expect((await fac.client.get(`/api/spaces/${spaceId}/invites`)).body.invites).toHaveLength(1);
    await srv.app.ctx.mailer.idle();
    expect(smtp.mails.length).toBe(before);
  });

  it('with email off: the server says so, addresses are refused (409) and no invite is stored; a link alone still works', async () => {
    const fac = await signupUser(noMail.url, 'Offline Inviter');
    expect((await fac.client.get('/api/auth/options')).body.email).toBe(false);
    const spaceId = (await fac.client.post('/api/spaces', { name: 'No mail here', kind: 'plc' })).body.space.id;
    const refused = await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member', emails: ['someone@school.test'] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toEqual({ reason: 'email_off' });
    expect((await fac.client.get(`/api/spaces/${spaceId}/invites`)).body.invites).toHaveLength(0);
    const plain = await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member', emails: [] });
    expect(plain.status).toBe(201);
    expect(plain.body.emailed).toBe(0);
  });
});
