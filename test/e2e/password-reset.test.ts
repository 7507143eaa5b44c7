/**
 * Forgot-password journey in a real browser with the mail captured by a real SMTP server: the log-in page's
 * "Forgot password?", the request form, the mailed link, the new password (which logs out the other
 * device), and the spent link refused. Also the page when email is off. axe-core on each state.
 * Needs a built client: `npx vite build`.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, logIn, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { resetLinkIn, startSmtp, type TestSmtp } from '../helpers/mail';
import { startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e password reset');

const T = { name: 'Rosa Forgetful', email: 'rosa.reset@school.test', password: 'correct horse battery', newPassword: 'remembered at last' };

describe.skipIf(!hasChromium)('forgot password in the browser', () => {
  let smtp: TestSmtp;
  let server: TestServer;
  let browser: Browser;
  let visitor: UserBrowser;
  let otherDevice: UserBrowser;

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error(`${CLIENT_DIST} is missing: run \`npx vite build\` first`);
    smtp = await startSmtp();
    server = await startServer({ env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://collab.district.test' } });
    browser = await launchBrowser();
    visitor = await newUser(browser, server.url);
    otherDevice = await newUser(browser, server.url);
    for (const u of [visitor, otherDevice]) u.page.setDefaultTimeout(10_000);
    const res = await otherDevice.context.request.post('/api/auth/signup', { data: { name: T.name, email: T.email, password: T.password } });
    expect(res.status()).toBe(201);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  it('asks for a link from the log-in page, follows the mailed link, sets a password and is signed in; the other device is logged out', async () => {
    const p = visitor.page;
    await p.goto('/login');
    await p.getByRole('link', { name: 'Forgot password?' }).click();
    await p.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
    await checkA11y(p, 'forgot password');
    // A bad address is caught on the page, next to the field.
    await p.getByRole('button', { name: 'Send me a reset link' }).click();
    await expect.poll(() => p.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    await p.getByLabel('Email').fill(T.email);
    await p.getByRole('button', { name: 'Send me a reset link' }).click();
    await p.getByRole('status').filter({ hasText: 'a mail with a link to choose a new password is on its way' }).waitFor();
    await checkA11y(p, 'forgot password: sent');

    const link = resetLinkIn(await smtp.waitFor(T.email));
    const path = new URL(link).pathname;
    await p.goto(path);
    await p.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await checkA11y(p, 'reset password');
    await p.getByLabel('New password', { exact: true }).fill(T.newPassword);
    await p.getByLabel('Repeat the new password').fill('something else entirely');
    await p.getByRole('button', { name: 'Set password and log in' }).click();
    await p.getByText('The two passwords are not the same').waitFor();
    await p.getByLabel('Repeat the new password').fill(T.newPassword);
    await p.getByRole('button', { name: 'Set password and log in' }).click();
    await p.waitForURL((u) => u.pathname === '/');
    await p.getByRole('banner').getByRole('link', { name: `${T.name}, account settings` }).waitFor();

    // The other device's login ended.
    expect((await otherDevice.context.request.get('/api/me')).status()).toBe(401);
    // The new password works for a fresh log-in.
    await logIn(otherDevice, T.email, T.newPassword);

    // The link is spent: a second visit says so.
    const again = await newUser(browser, server.url);
    await again.page.goto(path);
    await again.page.getByLabel('New password', { exact: true }).fill('third password here');
    await again.page.getByLabel('Repeat the new password').fill('third password here');
    await again.page.getByRole('button', { name: 'Set password and log in' }).click();
    await again.page.getByRole('alert').filter({ hasText: 'This reset link is not valid' }).waitFor();
    await checkA11y(again.page, 'reset password: spent link');
    await again.context.close();
  });

  it('with email off, the page says to ask a facilitator', async () => {
    const plain = await startServer();
    const u = await newUser(browser, plain.url);
    try {
      await u.page.goto('/forgot-password');
      await u.page.getByRole('status').filter({ hasText: 'Email is off on this server' }).waitFor();
      expect(await u.page.getByRole('button', { name: 'Send me a reset link' }).count()).toBe(0);
      await checkA11y(u.page, 'forgot password: email off');
    } finally {
      await u.context.close();
      await plain.close();
    }
  });
});
