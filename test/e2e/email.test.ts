/**
 * Email in a real browser with the mail captured by a real SMTP server: a facilitator mails an invite
 * link from the Overview and the invitee opens it; a person chooses "As they happen" in Account
 * settings, gets a mail, and unsubscribes from its link signed out. With email off, both places say so.
 * axe-core on each page. Needs a built client: `npm run build`.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { startSmtp, type TestSmtp } from '../helpers/mail';
import { startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e email');

const PUBLIC_URL = 'https://collab.district.test';
const F = { name: 'Farah Facil', email: 'farah.email@school.test', password: 'correct horse battery' };
const U = { name: 'Umar Unit', email: 'umar.email@school.test', password: 'correct horse battery' };

async function signUp(u: UserBrowser, who: typeof F): Promise<void> {
  const res = await u.context.request.post('/api/auth/signup', { data: who });
  expect(res.status()).toBe(201);
}

describe.skipIf(!hasChromium)('email in the browser', () => {
  let smtp: TestSmtp;
  let server: TestServer;
  let browser: Browser;
  let fac: UserBrowser;
  let invitee: UserBrowser;
  let spaceId = '';

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error(`${CLIENT_DIST} is missing: run \`npm run build\` first`);
    smtp = await startSmtp();
    server = await startServer({ env: { SMTP_URL: smtp.url, PUBLIC_URL } });
    browser = await launchBrowser();
    fac = await newUser(browser, server.url);
    invitee = await newUser(browser, server.url);
    for (const u of [fac, invitee]) u.page.setDefaultTimeout(10_000);
    await signUp(fac, F);
    spaceId = (await (await fac.context.request.post('/api/spaces', { data: { name: 'Science Team', kind: 'school-team' } })).json()).space.id;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  it('a facilitator mails an invite link from the Overview; the invitee opens it from the mail', async () => {
    const p = fac.page;
    await p.goto(`/spaces/${spaceId}`);
    const field = p.getByLabel('Email the link to');
    await field.fill('not an address');
    await p.getByRole('button', { name: 'Create invite link' }).click();
    await p.getByText('“not” is not an email address.').waitFor();
    await field.fill(`${U.email}`);
    await p.getByRole('button', { name: 'Create invite link' }).click();
    await p.getByText('Mailed to 1 address.').waitFor();
    await checkA11y(p, 'overview: invite mailed');

    const mail = await smtp.waitFor(U.email);
    expect(mail.decoded).toMatch(/Subject: Farah Facil invited you to Science Team on Collaboratory/);
    const path = new URL(mail.decoded.match(/https:\/\/collab\.district\.test\/invite\/[A-Za-z0-9_-]+/)![0]).pathname;
    await invitee.page.goto(path);
    await invitee.page.getByText('Science Team').first().waitFor();
    await signUp(invitee, U);
    expect((await invitee.context.request.post(`/api/invites/${path.split('/').pop()}/accept`)).status()).toBe(200);
  });

  it('the invitee chooses "As they happen" in Account settings, gets a mail, and unsubscribes from its link signed out', async () => {
    const p = invitee.page;
    await p.goto('/account');
    const group = p.getByRole('group', { name: 'Email me about mentions, replies and comments on my documents' });
    await expect.poll(() => group.getByRole('radio', { name: /Daily digest/ }).isChecked()).toBe(true);
    await checkA11y(p, 'account settings: email');
    await group.getByRole('radio', { name: /As they happen/ }).check();
    await p.getByRole('button', { name: 'Save email choice' }).click();
    await p.getByRole('status').filter({ hasText: 'Email choice saved.' }).waitFor();
    await p.reload();
    await expect.poll(() => p.getByRole('radio', { name: /As they happen/ }).isChecked()).toBe(true);

    // The facilitator comments on the invitee's document: mailed at once.
    const doc = await (await invitee.context.request.post(`/api/spaces/${spaceId}/docs`, { data: { title: 'Lab budget', template: 'budget' } })).json();
    const t = await fac.context.request.post(`/api/docs/${doc.doc.id}/threads`, { data: { anchor: { lineId: 'l1' }, quote: 'Beakers', text: 'Can we share beakers?' } });
    expect(t.status()).toBe(201);
    await expect.poll(() => smtp.mails.some((m) => m.to.includes(U.email) && /commented on your document/.test(m.decoded)), { timeout: 10_000 }).toBe(true);
    const mail = smtp.mails.find((m) => m.to.includes(U.email) && /commented on your document/.test(m.decoded))!;
    const unsubscribe = new URL(mail.decoded.match(/https:\/\/collab\.district\.test\/unsubscribe\/[A-Za-z0-9_.-]+/)![0]).pathname;

    const stranger = await newUser(browser, server.url);
    try {
      await stranger.page.goto(unsubscribe);
      await stranger.page.getByRole('heading', { name: 'Stop notification email' }).waitFor();
      await checkA11y(stranger.page, 'unsubscribe: confirm');
      await stranger.page.getByRole('button', { name: 'Unsubscribe' }).click();
      await stranger.page.getByRole('status').filter({ hasText: 'you will get no more notification email' }).waitFor();
      await checkA11y(stranger.page, 'unsubscribe: done');
      // A changed link is refused.
      await stranger.page.goto(`${unsubscribe.slice(0, -2)}xx`);
      await stranger.page.getByRole('alert').filter({ hasText: 'This unsubscribe link is not valid' }).waitFor();
    } finally {
      await stranger.context.close();
    }
    await p.reload();
    await expect.poll(() => p.getByRole('radio', { name: /Never/ }).isChecked()).toBe(true);
  });

  it('with email off, Account settings and the invite form say so', async () => {
    const plain = await startServer();
    const u = await newUser(browser, plain.url);
    try {
      await signUp(u, F);
      const id = (await (await u.context.request.post('/api/spaces', { data: { name: 'Quiet Team', kind: 'plc' } })).json()).space.id;
      await u.page.goto(`/spaces/${id}`);
      await u.page.getByText('Email is off on this server: copy the new link and send it yourself.').waitFor();
      expect(await u.page.getByLabel('Email the link to').count()).toBe(0);
      await u.page.goto('/account');
      await u.page.getByText('Email is off on this server').waitFor();
      expect(await u.page.getByRole('button', { name: 'Save email choice' }).isDisabled()).toBe(true);
      await checkA11y(u.page, 'account settings: email off');
    } finally {
      await u.context.close();
      await plain.close();
    }
  });
});
