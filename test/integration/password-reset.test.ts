/** Password reset by email, end to end with a real SMTP server (smtp-server on port 0) and a faked clock. */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtp, resetLinkIn, type TestSmtp } from '../helpers/mail';
import { ApiClient, signupUser, startServer, tempDir, type TestServer } from '../helpers/server';
import { eventually } from '../helpers/wait';

const PUBLIC_URL = 'https://collab.district.test';
let smtp: TestSmtp;
let srv: TestServer;
let clock = Date.now();

beforeAll(async () => {
  smtp = await startSmtp();
  srv = await startServer({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'Collaboratory <noreply@district.test>', PUBLIC_URL, TRUST_PROXY: 'true' }, now: () => clock });
});
afterAll(async () => {
  await srv?.close();
  await smtp?.close();
});

/** The path of a mailed link, to call it on the test server whatever PUBLIC_URL says. */
const tokenOf = (link: string) => link.split('/reset-password/')[1]!;
let ipCounter = 0;
/** A client from its own address, so the per-requester limit of one test does not spill into the next. */
const fresh = () => new ApiClient(srv.url, { 'x-forwarded-for': `198.51.100.${++ipCounter}` });

async function requestLink(email: string): Promise<string> {
  const res = await fresh().post('/api/auth/password-reset', { email });
  expect(res.status).toBe(202);
  expect(res.body).toEqual({});
  const mail = await smtp.waitFor(email);
  smtp.mails.splice(smtp.mails.indexOf(mail), 1);
  return resetLinkIn(mail);
}

describe('password reset by email', () => {
  it('the mail arrives with text and HTML bodies; its link works once, ends every other login and signs this browser in', async () => {
    const { client: laptop, user, password } = await signupUser(srv.url, 'Forgetful');
    const phone = new ApiClient(srv.url);
    expect((await phone.post('/api/auth/login', { email: user.email, password })).status).toBe(200);

    const res = await fresh().post('/api/auth/password-reset', { email: user.email.toUpperCase() });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({});
    const mail = await smtp.waitFor(user.email);
    smtp.mails.splice(smtp.mails.indexOf(mail), 1);
    expect(mail.from).toBe('noreply@district.test');
    expect(mail.decoded).toMatch(/Subject: Reset your Collaboratory password/);
    expect(mail.decoded).toMatch(/Content-Type: text\/plain/);
    expect(mail.decoded).toMatch(/Content-Type: text\/html/);
    const link = resetLinkIn(mail);
    expect(link.startsWith(`${PUBLIC_URL}/reset-password/`)).toBe(true);

    const browser = new ApiClient(srv.url);
    const done = await browser.post(`/api/auth/password-reset/${tokenOf(link)}`, { password: 'a brand new password' });
    expect(done.status).toBe(200);
    expect(done.body.user).toEqual({ id: user.id, email: user.email, name: 'Forgetful' });
    expect(browser.cookie).not.toBe('');
    expect((await browser.get('/api/me')).status).toBe(200);
    // Every other login ended.
    expect((await laptop.get('/api/me')).status).toBe(401);
    expect((await phone.get('/api/me')).status).toBe(401);
    // The old password is gone, the new one works.
    expect((await new ApiClient(srv.url).post('/api/auth/login', { email: user.email, password })).status).toBe(401);
    expect((await new ApiClient(srv.url).post('/api/auth/login', { email: user.email, password: 'a brand new password' })).status).toBe(200);
    // Single use.
    const again = await new ApiClient(srv.url).post(`/api/auth/password-reset/${tokenOf(link)}`, { password: 'yet another password' });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('not_found');
  });

  it('a link expires after one hour', async () => {
    const { user } = await signupUser(srv.url, 'Slow');
    const link = await requestLink(user.email);
    clock += 61 * 60 * 1000;
    const late = await new ApiClient(srv.url).post(`/api/auth/password-reset/${tokenOf(link)}`, { password: 'too late password' });
    expect(late.status).toBe(404);
    expect(late.body.error.code).toBe('not_found');
  });

  it('a second link makes the first one useless once used; a link used within the hour works', async () => {
    const { user } = await signupUser(srv.url, 'Twice');
    const first = await requestLink(user.email);
    const second = await requestLink(user.email);
    clock += 59 * 60 * 1000;
    expect((await new ApiClient(srv.url).post(`/api/auth/password-reset/${tokenOf(second)}`, { password: 'second link password' })).status).toBe(200);
    expect((await new ApiClient(srv.url).post(`/api/auth/password-reset/${tokenOf(first)}`, { password: 'first link password' })).status).toBe(404);
  });

  it('an unknown address gets the same answer and no mail', async () => {
    const unknown = `nobody.${Date.now()}@school.test`;
    const res = await fresh().post('/api/auth/password-reset', { email: unknown });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({});
    expect(res.headers.get('set-cookie')).toBeNull();
    // A known address asked right after gets its mail; by then the unknown one would have had its own.
    const { user } = await signupUser(srv.url, 'Known');
    await requestLink(user.email);
    await srv.app.ctx.mailer.idle();
    expect(smtp.mails.some((m) => m.to.includes(unknown))).toBe(false);
  });

  it('bad input: a malformed email is 400, a malformed or unknown token 404, a short password 400', async () => {
    const c = fresh();
    expect((await c.post('/api/auth/password-reset', { email: 'not-an-email' })).body.error.code).toBe('invalid_payload');
    expect((await c.post('/api/auth/password-reset', { email: 'a@b.test', extra: 1 })).status).toBe(400);
    expect((await c.post('/api/auth/password-reset/short', { password: 'long enough pw' })).status).toBe(404);
    expect((await c.post(`/api/auth/password-reset/${'x'.repeat(43)}`, { password: 'long enough pw' })).status).toBe(404);
    const { user } = await signupUser(srv.url, 'Shorty');
    const link = await requestLink(user.email);
    const res = await c.post(`/api/auth/password-reset/${tokenOf(link)}`, { password: 'short' });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields[0].field).toBe('password');
    // The bad attempt did not spend the link.
    expect((await c.post(`/api/auth/password-reset/${tokenOf(link)}`, { password: 'long enough now' })).status).toBe(200);
  });

  it('rate limits: one requester gets 10 requests an hour; one account gets at most 3 mails an hour, silently', async () => {
    const { user } = await signupUser(srv.url, 'Popular');
    const requester = new ApiClient(srv.url, { 'x-forwarded-for': '203.0.113.77' });
    for (let i = 0; i < 10; i++) expect((await requester.post('/api/auth/password-reset', { email: user.email })).status).toBe(202);
    const refused = await requester.post('/api/auth/password-reset', { email: user.email });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    // Mails are queued after the 202: wait for the three, then give a fourth the time to show up.
    const mailed = () => smtp.mails.filter((m) => m.to.includes(user.email)).length;
    await eventually(mailed, (n) => n >= 3);
    await new Promise((r) => setTimeout(r, 200));
    await srv.app.ctx.mailer.idle();
    expect(mailed()).toBe(3);
  });
});

describe('without SMTP_URL', () => {
  it('the options say email is off and a request still answers 202', async () => {
    const s = await startServer();
    try {
      const c = new ApiClient(s.url);
      expect((await c.get('/api/auth/options')).body).toEqual({ email: false, oidc: null, passwordSignup: true });
      expect((await c.post('/api/auth/password-reset', { email: 'someone@school.test' })).status).toBe(202);
    } finally {
      await s.close();
    }
  });

  it('npm run reset-link prints a link that works', async () => {
    const dataDir = tempDir();
    const first = await startServer({ dataDir });
    const { user } = await signupUser(first.url, 'Offline');
    await first.close({ keepData: true });
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'scripts/reset-link.ts', user.email], {
        env: { ...process.env, NODE_ENV: 'test', DATA_DIR: dataDir, PUBLIC_URL: 'https://collab.example.org' },
      });
      let stdout = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.on('exit', (code) => resolve({ code, stdout }));
    });
    expect(out.code).toBe(0);
    const link = out.stdout.match(/https:\/\/collab\.example\.org\/reset-password\/[A-Za-z0-9_-]+/)![0];
    const second = await startServer({ dataDir });
    try {
      const c = new ApiClient(second.url);
      expect((await c.post(`/api/auth/password-reset/${tokenOf(link)}`, { password: 'set by operator link' })).status).toBe(200);
      expect((await c.get('/api/me')).body.user.email).toBe(user.email);
    } finally {
      await second.close();
    }
  });
});
