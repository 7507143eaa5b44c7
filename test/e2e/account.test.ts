/**
 * Account settings in a real browser: a teacher opens them from the header, fixes a typo in their name
 * (the header follows without a reload), changes their password (a wrong current password first), is
 * logged out on their other device, and logs back in with the new password. axe-core runs on each state.
 * Needs a built client: `npx vite build` (or CLIENT_DIST_DIR=... npx vite build).
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, logIn, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e account settings');

const T = { typo: 'Alma Reyse', name: 'Alma Reyes', email: 'alma.account@school.test', password: 'correct horse battery', newPassword: 'a much better passphrase' };

/** The header's link to the account page, by the name it shows. */
const accountLink = (page: Page, name: string) => page.getByRole('banner').getByRole('link', { name: `${name}, account settings` });

/** Fails when the page scrolls sideways. */
async function expectNoSideways(page: Page) {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll, `horizontal overflow on ${page.url()}`).toBeLessThanOrEqual(client);
}

describe.skipIf(!hasChromium)('account settings in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let laptop: UserBrowser;
  let phone: UserBrowser;

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error(`${CLIENT_DIST} is missing: run \`npx vite build\` first`);
    server = await startServer();
    browser = await launchBrowser();
    laptop = await newUser(browser, server.url);
    phone = await newUser(browser, server.url, { width: 375, height: 812 });
    for (const u of [laptop, phone]) u.page.setDefaultTimeout(10_000);
    const res = await laptop.context.request.post('/api/auth/signup', { data: { name: T.typo, email: T.email, password: T.password } });
    expect(res.status()).toBe(201);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a signed-out visitor is sent to log in and comes back to the page (on a phone)', async () => {
    const p = phone.page;
    await p.goto('/account');
    await p.waitForURL(/\/login\?next=%2Faccount$/);
    await p.getByLabel('Email').fill(T.email);
    await p.getByLabel('Password').fill(T.password);
    await p.getByRole('button', { name: 'Log in' }).click();
    await p.waitForURL(/\/account$/);
    await p.getByRole('heading', { name: 'Account settings', level: 1 }).waitFor();
    expect(await p.getByLabel('Name', { exact: true }).inputValue()).toBe(T.typo);
    await checkA11y(p, 'account settings (375px)');
    await expectNoSideways(p);
  });

  it('opens from the header and fixes the name; the header follows without a reload', async () => {
    const p = laptop.page;
    await p.goto('/');
    await accountLink(p, T.typo).click();
    await p.waitForURL(/\/account$/);
    await p.getByRole('heading', { name: 'Account settings', level: 1 }).waitFor();
    expect(await accountLink(p, T.typo).getAttribute('aria-current')).toBe('page');
    await checkA11y(p, 'account settings');

    const nameForm = p.getByRole('form', { name: 'Your name' });
    const name = nameForm.getByLabel('Name', { exact: true });
    expect(await name.inputValue()).toBe(T.typo);

    // An empty name is refused next to the field, which gets the focus.
    await name.fill('   ');
    await nameForm.getByRole('button', { name: 'Save name' }).click();
    await nameForm.getByText('Name is required').waitFor();
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await name.evaluate((el) => el === document.activeElement)).toBe(true);
    const describedBy = (await name.getAttribute('aria-describedby')) ?? '';
    expect(await p.locator(`[id="${describedBy.split(' ').pop()}"]`).textContent()).toBe('Name is required');
    await checkA11y(p, 'account settings, name error');

    await name.fill(T.name);
    await nameForm.getByRole('button', { name: 'Save name' }).click();
    await nameForm.getByRole('status').filter({ hasText: 'Name saved.' }).waitFor();
    expect(await name.getAttribute('aria-invalid')).toBeNull();
    await accountLink(p, T.name).waitFor();
    expect(await accountLink(p, T.typo).count()).toBe(0);
    await p.reload();
    await accountLink(p, T.name).waitFor();
  });

  it('changes the password: a wrong current one first, then the right one; the other device is logged out', async () => {
    const p = laptop.page;
    await p.goto('/account');
    const form = p.getByRole('form', { name: 'Change password' });
    const current = form.getByLabel('Current password');
    const next = form.getByLabel('New password');

    await current.fill('this is not it');
    await next.fill(T.newPassword);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByText('Current password is wrong').waitFor();
    expect(await current.getAttribute('aria-invalid')).toBe('true');
    expect(await current.evaluate((el) => el === document.activeElement)).toBe(true);
    const describedBy = (await current.getAttribute('aria-describedby')) ?? '';
    expect(await p.locator(`[id="${describedBy.split(' ').pop()}"]`).textContent()).toBe('Current password is wrong');
    await checkA11y(p, 'account settings, wrong current password');

    await current.fill(T.password);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('status').filter({ hasText: 'Password changed. Other devices were logged out.' }).waitFor();
    expect(await current.inputValue()).toBe('');
    expect(await next.inputValue()).toBe('');
    expect(await current.getAttribute('aria-invalid')).toBeNull();
    await checkA11y(p, 'account settings, password changed');

    // This tab stays signed in (a new session cookie); the phone's login is over.
    await p.reload();
    await p.getByRole('heading', { name: 'Account settings', level: 1 }).waitFor();
    await phone.page.reload();
    await phone.page.waitForURL(/\/login/);
  });

  it('logs out and back in with the new password (the old one no longer works)', async () => {
    const p = laptop.page;
    await p.getByRole('button', { name: 'Log out' }).click();
    await p.waitForURL(/\/login$/);
    await p.getByLabel('Email').fill(T.email);
    await p.getByLabel('Password').fill(T.password);
    await p.getByRole('button', { name: 'Log in' }).click();
    await p.getByRole('alert').filter({ hasText: 'That email and password do not match an account.' }).waitFor();
    await p.getByLabel('Password').fill(T.newPassword);
    await p.getByRole('button', { name: 'Log in' }).click();
    await p.waitForURL((u) => u.pathname === '/');
    await accountLink(p, T.name).waitFor();
    // And the phone can log in again with it too.
    await logIn(phone, T.email, T.newPassword);
  });
});
