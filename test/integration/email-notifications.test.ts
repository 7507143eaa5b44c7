/**
 * Notification email with a real SMTP server (smtp-server on port 0) and a faked clock: a mention is
 * mailed at once for "immediately", never for "never", and the daily digest mails the unread ones once;
 * the unsubscribe link works without a login and a tampered one is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURES } from '../../server/features';
import { createEmailFeature } from '../../server/email/feature';
import type { EmailDeps } from '../../server/email/deliver';
import { runDigest } from '../../server/email/digest';
import { createEmailRepo } from '../../server/email/records';
import { call, cid, closeSockets, connectSocket, data, sleep, spaceWith, type ChatSocket } from '../helpers/chat';
import { startSmtp, type CapturedMail, type TestSmtp } from '../helpers/mail';
import { ApiClient, startServer, type TestServer } from '../helpers/server';
import { eventually } from '../helpers/wait';

const PUBLIC_URL = 'https://collab.district.test';
const DAY = 24 * 3600 * 1000;
// 10:00 UTC, before the digest hour (13:00 UTC).
let clock = Date.UTC(2031, 2, 3, 10, 0, 0);
let smtp: TestSmtp;
let srv: TestServer;

beforeAll(async () => {
  smtp = await startSmtp();
  const features = FEATURES.map((f) => (f.name === 'email' ? createEmailFeature({ digestTickMs: 40 }) : f));
  srv = await startServer({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'Collaboratory <noreply@district.test>', PUBLIC_URL }, now: () => clock, features });
});
afterAll(async () => {
  closeSockets();
  await srv?.close();
  await smtp?.close();
});

const mailsTo = (email: string) => smtp.mails.filter((m) => m.to.includes(email.toLowerCase()));
const setPref = (c: ApiClient, notifications: string) => c.request('PUT', '/api/me/email-preferences', { notifications });
const unsubscribePath = (mail: CapturedMail) => {
  const m = mail.decoded.match(/https:\/\/collab\.district\.test\/unsubscribe\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43})/);
  if (!m) throw new Error(`no unsubscribe link in:\n${mail.decoded}`);
  return m[1]!;
};
async function say(socket: ChatSocket, channelId: string, text: string): Promise<string> {
  return data(await call(socket, 'message:send', { channelId, text, clientMsgId: cid() })).message.id;
}
/** Waits until `userId` has `n` notifications waiting for the digest (they reach it after the send's ack). */
async function outboxHolds(userId: string, n: number): Promise<void> {
  const waiting = () => srv.store.collection('emailOutbox').count({ userId, doneAt: null });
  await eventually(waiting, (count) => count >= n);
  expect(await waiting()).toBe(n);
}
/** Waits until `n` mails went to `email`, then a little more to be sure no further one follows. */
async function waitMails(email: string, n: number): Promise<CapturedMail[]> {
  await eventually(() => mailsTo(email), (mails) => mails.length >= n);
  await srv.app.ctx.mailer.idle();
  return mailsTo(email);
}

describe('notification email', () => {
  it('the default is the daily digest; the choice is validated and kept', async () => {
    const { fac } = await spaceWith(srv.url, [], 'Pref Checker');
    expect((await fac.client.get('/api/me/email-preferences')).body).toEqual({ notifications: 'daily', email: true });
    expect((await setPref(fac.client, 'hourly')).status).toBe(400);
    expect((await fac.client.request('PUT', '/api/me/email-preferences', { notifications: 'never', extra: 1 })).status).toBe(400);
    expect((await setPref(fac.client, 'immediately')).body).toEqual({ notifications: 'immediately', email: true });
    expect((await fac.client.get('/api/me/email-preferences')).body.notifications).toBe('immediately');
    expect((await new ApiClient(srv.url).get('/api/me/email-preferences')).status).toBe(401);
  });

  it('"immediately" mails a mention at once with an unsubscribe link and headers; "never" mails nothing', async () => {
    const { fac, general, people } = await spaceWith(srv.url, [{ name: 'Quinn Quick' }, { name: 'Nora Never' }], 'Mia Mentioner');
    const [quick, never] = people as [(typeof people)[0], (typeof people)[0]];
    await setPref(quick.client, 'immediately');
    await setPref(never.client, 'never');
    const socket = await connectSocket(srv.url, fac.client.cookie);
    await say(socket, general, '@Quinn Quick and @Nora Never: fractions unit review on Friday');

    const [mail] = await waitMails(quick.user.email, 1);
    expect(mail!.decoded).toMatch(/Subject: Mia Mentioner mentioned you in #general/);
    expect(mail!.decoded).toContain('fractions unit review on Friday');
    expect(mail!.decoded).toMatch(new RegExp(`${PUBLIC_URL}/spaces/[A-Za-z0-9_-]+/chat/${general}`));
    expect(mail!.decoded).toMatch(/List-Unsubscribe:\s+<https:\/\/collab\.district\.test\/api\/email\/unsubscribe\/[A-Za-z0-9_.-]+>/);
    expect(mail!.decoded).toMatch(/List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
    // Nora's bell has it (stored after the send's ack, maybe after Quinn's mail); her mailbox does not,
    // even after a later mention to Quinn has been mailed.
    const bellOf = async () => (await never.client.get('/api/notifications')).body.notifications as unknown[];
    expect(await eventually(bellOf, (list) => list.length >= 1)).toHaveLength(1);
    await say(socket, general, '@Quinn Quick one more thing');
    expect(await waitMails(quick.user.email, 2)).toHaveLength(2);
    expect(mailsTo(never.user.email)).toHaveLength(0);
  });

  it('the unsubscribe link works without a login (page check and RFC 8058 one-click POST); a tampered one is refused', async () => {
    const { fac, general, people } = await spaceWith(srv.url, [{ name: 'Una Unsub' }], 'Ulla Sender');
    const [una] = people as [(typeof people)[0]];
    await setPref(una.client, 'immediately');
    const socket = await connectSocket(srv.url, fac.client.cookie);
    await say(socket, general, '@Una Unsub see the agenda');
    const token = unsubscribePath((await waitMails(una.user.email, 1))[0]!);

    const stranger = new ApiClient(srv.url);
    expect((await stranger.get(`/api/email/unsubscribe/${token}`)).body).toEqual({ notifications: 'immediately' });
    const sig = token.split('.')[1]!;
    const tampered = `${token.split('.')[0]}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    expect((await stranger.get(`/api/email/unsubscribe/${tampered}`)).status).toBe(404);
    const forged = await fetch(`${srv.url}/api/email/unsubscribe/${tampered}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(forged.status).toBe(404);
    expect((await forged.json()).error.code).toBe('not_found');
    // Another person's id with this signature is refused too.
    expect((await stranger.get(`/api/email/unsubscribe/${fac.user.id}.${sig}`)).status).toBe(404);
    expect((await una.client.get('/api/me/email-preferences')).body.notifications).toBe('immediately');

    // Only RFC 8058's exact form (or {} from our page) is taken.
    const odd = await fetch(`${srv.url}/api/email/unsubscribe/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=Later' });
    expect(odd.status).toBe(400);
    expect((await stranger.post(`/api/email/unsubscribe/${token}`, { all: true })).status).toBe(400);
    expect((await una.client.get('/api/me/email-preferences')).body.notifications).toBe('immediately');
    // What a mail program sends for RFC 8058: a form POST, no cookie, no Origin.
    const oneClick = await fetch(`${srv.url}/api/email/unsubscribe/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.json()).toEqual({ notifications: 'never' });
    expect((await una.client.get('/api/me/email-preferences')).body.notifications).toBe('never');
    await setPref(una.client, 'daily');
    // Our own confirm page posts an empty body: the same effect.
    expect((await stranger.post(`/api/email/unsubscribe/${token}`)).body).toEqual({ notifications: 'never' });
    await say(socket, general, '@Una Unsub after unsubscribing');
    await sleep(200);
    await srv.app.ctx.mailer.idle();
    expect(mailsTo(una.user.email)).toHaveLength(1);
  });

  it('the daily digest mails the unread notifications once, after 13:00 UTC, and never the same one again', async () => {
    const { fac, general, people } = await spaceWith(srv.url, [{ name: 'Dana Digest' }], 'Dev Poster');
    const [dana] = people as [(typeof people)[0]];
    const socket = await connectSocket(srv.url, fac.client.cookie);
    await say(socket, general, '@Dana Digest first note about rubrics');
    await say(socket, general, '@Dana Digest second note about exit tickets');
    // A comment thread on a document Dana created is in the digest too.
    const docId = (await dana.client.post(`/api/spaces/${(await dana.client.get('/api/spaces')).body.spaces[0].id}/docs`, { title: 'Field trip budget', template: 'budget' })).body.doc.id;
    expect((await fac.client.post(`/api/docs/${docId}/threads`, { anchor: { lineId: 'line-1' }, quote: 'Bus', text: 'Is the bus cost per day?' })).status).toBe(201);
    const bellOf = async () => (await dana.client.get('/api/notifications')).body.notifications as { id: string; excerpt: string }[];
    const bell = await eventually(bellOf, (list) => list.length >= 3);
    const first = bell.find((n) => n.excerpt.includes('first note'))!;
    expect((await dana.client.post('/api/notifications/read', { ids: [first.id] })).status).toBe(200);

    // Before the digest hour: nothing, however many ticks pass.
    await outboxHolds(dana.user.id, 3);
    await sleep(200);
    expect(mailsTo(dana.user.email)).toHaveLength(0);
    clock += 4 * 3600 * 1000;
    const [digest] = await waitMails(dana.user.email, 1);
    expect(digest!.decoded).toMatch(/Subject: Collaboratory: 2 unread notifications/);
    expect(digest!.decoded).toContain('second note about exit tickets');
    expect(digest!.decoded).toContain('Is the bus cost per day?');
    expect(digest!.decoded).toContain(`${PUBLIC_URL}/docs/${docId}`);
    expect(digest!.decoded).not.toContain('first note about rubrics');
    expect(digest!.decoded).toMatch(/List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
    // More ticks the same day send nothing more.
    await sleep(300);
    expect(mailsTo(dana.user.email)).toHaveLength(1);

    // The next day: only what is new, never what was mailed before (still unread as it is).
    await say(socket, general, '@Dana Digest third note about seating');
    await outboxHolds(dana.user.id, 1);
    clock += DAY;
    const mails = await waitMails(dana.user.email, 2);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.decoded).toMatch(/Subject: Collaboratory: 1 unread notification\b/);
    expect(mails[1]!.decoded).toContain('third note about seating');
    expect(mails[1]!.decoded).not.toContain('second note');
    // A day with nothing new mails nothing.
    clock += DAY;
    await sleep(300);
    expect(mailsTo(dana.user.email)).toHaveLength(2);
  });

  it('two processes racing for the same day\'s digest send it once', async () => {
    const { fac, general, people } = await spaceWith(srv.url, [{ name: 'Rae Race' }], 'Ron Racer');
    const [rae] = people as [(typeof people)[0]];
    const socket = await connectSocket(srv.url, fac.client.cookie);
    await say(socket, general, '@Rae Race raced note');
    await outboxHolds(rae.user.id, 1);
    // Two more runners on the same store, as other processes of a cluster would be, besides the server's own ticks.
    const runner = (): EmailDeps => ({ ctx: srv.app.ctx, repo: createEmailRepo(srv.store), unreadAmong: async (_u, ids) => ids, immediate: srv.app.ctx.limiter({ name: 'race', points: 1, duration: 1 }) });
    clock += DAY;
    const sent = await Promise.all([runDigest(runner()), runDigest(runner())]);
    const mails = await waitMails(rae.user.email, 1);
    await sleep(200);
    expect(mailsTo(rae.user.email)).toHaveLength(1);
    expect(mails[0]!.decoded).toContain('raced note');
    expect(sent.filter((n) => n > 0).length).toBeLessThanOrEqual(1);
  });

  it('a join request mails the facilitators (by their choice)', async () => {
    const fac = (await spaceWith(srv.url, [], 'Jo Facilitator')).fac;
    await setPref(fac.client, 'immediately');
    const spaceId = (await fac.client.post('/api/spaces', { name: 'Listed team', kind: 'plc', visibility: 'listed' })).body.space.id;
    const asker = (await spaceWith(srv.url, [], 'Asking Person')).fac;
    expect((await asker.client.post(`/api/spaces/${spaceId}/join-requests`, { message: 'I teach grade 7 too' })).status).toBe(201);
    const [mail] = await waitMails(fac.user.email, 1);
    expect(mail!.decoded).toMatch(/Subject: Asking Person asked to join Listed team/);
    expect(mail!.decoded).toContain('I teach grade 7 too');
  });
});
