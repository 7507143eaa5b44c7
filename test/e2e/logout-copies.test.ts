/**
 * Offline copies on a shared computer: a document's y-indexeddb copy is per user and is deleted at logout.
 * Logging out while edits exist only on this device first warns and lists the documents; "Stay logged in"
 * keeps them, and once the page says "All changes saved" logging out deletes the copy without a warning.
 * "Log out and discard" deletes unsaved edits on purpose.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, logIn, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { signupUser, startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e logout and offline copies');

type Account = Awaited<ReturnType<typeof signupUser>>;
const body = (p: Page) => p.getByRole('textbox', { name: 'Document body' });
const status = (p: Page) => p.locator('[data-status]');
const docDatabases = (p: Page) => p.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.startsWith('collaboratory-doc-')));

async function typeAtEnd(p: Page, text: string) {
  await body(p).locator(':scope > *').last().click(); // the last block itself, not the middle of the body
  await p.keyboard.press('End');
  await p.keyboard.press('Control+End');
  await p.keyboard.press('Enter');
  await p.keyboard.type(text);
}

describe.skipIf(!hasChromium)('logout clears the offline copies', () => {
  let server: TestServer;
  let browser: Browser;
  let teacher: Account;
  let u: UserBrowser;
  let docId = '';

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error('dist/client is missing: run `npx vite build` first');
    server = await startServer();
    teacher = await signupUser(server.url, 'Tess Teacher');
    const spaceId = (await teacher.client.post('/api/spaces', { name: 'Shared laptop PLC', kind: 'plc' })).body.space.id;
    docId = (await teacher.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Unit plan draft', template: 'blank' })).body.doc.id;
    browser = await launchBrowser();
    u = await newUser(browser, server.url);
    u.page.setDefaultTimeout(15_000);
    await logIn(u, teacher.user.email, teacher.password);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('warns about edits only on this device, then deletes the copy at logout', async () => {
    const p = u.page;
    await p.goto(`/docs/${docId}`);
    await typeAtEnd(p, 'Saved on the server.');
    await expect.poll(() => status(p).textContent()).toContain('All changes saved');
    expect(await docDatabases(p)).toEqual([`collaboratory-doc-${teacher.user.id}-${docId}`]);

    await u.context.setOffline(true);
    await expect.poll(() => status(p).textContent()).toContain('Offline: changes kept on this device');
    await typeAtEnd(p, 'Only on this laptop.');
    await p.getByRole('button', { name: 'Log out' }).click();
    const warning = p.getByRole('alert').filter({ hasText: 'Changes not saved yet' });
    await warning.waitFor();
    await warning.getByRole('link', { name: 'Unit plan draft' }).waitFor();
    await checkA11y(p, 'logout warning');
    await warning.getByRole('button', { name: 'Stay logged in' }).click();
    await warning.waitFor({ state: 'detached' });

    await u.context.setOffline(false);
    await expect.poll(() => status(p).textContent()).toContain('All changes saved');
    await p.getByRole('button', { name: 'Log out' }).click();
    await p.waitForURL(/\/login/);
    await expect.poll(() => docDatabases(p)).toEqual([]);
    expect((await u.context.request.get('/api/me')).status()).toBe(401);

    // The edit made offline reached the server before logout.
    await logIn(u, teacher.user.email, teacher.password);
    const md = await u.context.request.get(`/api/docs/${docId}/export?format=markdown`);
    expect(await md.text()).toContain('Only on this laptop.');
  });

  it('"Log out and discard" deletes edits that never reached the server', async () => {
    const p = u.page;
    await p.goto(`/docs/${docId}`);
    await expect.poll(() => status(p).textContent()).toContain('All changes saved');
    await u.context.setOffline(true);
    await expect.poll(() => status(p).textContent()).toContain('Offline');
    await typeAtEnd(p, 'Never sent.');
    await p.getByRole('button', { name: 'Log out' }).click();
    await p.getByRole('button', { name: 'Log out and discard' }).click();
    await p.waitForURL(/\/login/);
    // Offline, the server could not end the login: the page says so instead of failing silently.
    await p.getByRole('status').filter({ hasText: 'You are logged out on this device. The server could not be reached' }).waitFor();
    await checkA11y(p, 'login page after an offline logout');
    await expect.poll(() => docDatabases(p)).toEqual([]);
    await u.context.setOffline(false);

    await logIn(u, teacher.user.email, teacher.password);
    await p.goto(`/docs/${docId}`);
    await expect.poll(() => status(p).textContent()).toContain('All changes saved');
    await body(p).getByText('Only on this laptop.').waitFor();
    expect(await body(p).textContent()).not.toContain('Never sent.');
  });
});
