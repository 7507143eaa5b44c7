/**
 * A space's data in its owners' hands, in a real browser: a facilitator exports the space from the
 * Overview (progress announced, then a download link whose ZIP holds the README and the documents),
 * deletes it through the dialog that asks for its name, finds it under "Deleted spaces" on the home page
 * and restores it; a member loses and regains access. axe-core on each state. Needs `npx vite build`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { signupUser, startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e space export and deletion');

const FAC = { email: `fatima.${Date.now()}@school.test`, password: 'correct horse battery', name: 'Fatima Facilitator' };
const SPACE = 'Grade 3 Reading PLC';

describe.skipIf(!hasChromium)('space export and deletion in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let fac: UserBrowser;
  let member: Awaited<ReturnType<typeof signupUser>>;
  let spaceId = '';

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error(`${CLIENT_DIST} is missing: run \`npx vite build\` first`);
    server = await startServer();
    browser = await launchBrowser();
    fac = await newUser(browser, server.url);
    fac.page.setDefaultTimeout(10_000);
    expect((await fac.context.request.post('/api/auth/signup', { data: FAC })).status()).toBe(201);
    spaceId = (await (await fac.context.request.post('/api/spaces', { data: { name: SPACE, kind: 'plc' } })).json()).space.id;
    expect((await fac.context.request.post(`/api/spaces/${spaceId}/docs`, { data: { title: 'Guided reading plan', template: 'lesson-plan' } })).status()).toBe(201);
    member = await signupUser(server.url, 'Mina Member');
    const code = (await (await fac.context.request.post(`/api/spaces/${spaceId}/invites`, { data: { role: 'member' } })).json()).invite.code;
    expect((await member.client.post(`/api/invites/${code}/accept`)).status).toBe(200);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a facilitator exports the space and downloads the ZIP', async () => {
    const p = fac.page;
    await p.goto(`/spaces/${spaceId}`);
    await p.getByRole('heading', { name: 'Export space' }).waitFor();
    await checkA11y(p, 'overview with export and delete');
    await p.getByRole('button', { name: 'Export space' }).click();
    const link = p.getByRole('link', { name: 'Download the export' });
    await link.waitFor();
    await expect.poll(() => p.getByRole('status').filter({ hasText: 'The export is ready to download.' }).count()).toBe(1);
    await checkA11y(p, 'export ready');
    const [download] = await Promise.all([p.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^Grade-3-Reading-PLC-export-\d{4}-\d{2}-\d{2}\.zip$/);
    const file = await download.path();
    const entries = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).split('\n');
    expect(entries).toContain('README.txt');
    expect(entries.some((e) => /^documents\/Guided-reading-plan--[\w-]+\.md$/.test(e))).toBe(true);
  });

  it('deletes it after the name is typed, and restores it from the home page', async () => {
    const p = fac.page;
    await p.goto(`/spaces/${spaceId}`);
    await p.getByRole('button', { name: 'Delete space…' }).click();
    const dialog = p.getByRole('dialog', { name: `Delete ${SPACE}?` });
    await dialog.waitFor();
    const field = dialog.getByLabel('Type the name of the space to confirm');
    await expect.poll(() => field.evaluate((el) => el === document.activeElement)).toBe(true);
    await checkA11y(p, 'delete dialog');
    await field.fill('Grade 3');
    await dialog.getByRole('button', { name: 'Delete space', exact: true }).click();
    await dialog.getByText(`Type ${SPACE} to confirm`).waitFor();
    expect((await member.client.get(`/api/spaces/${spaceId}`)).status).toBe(200);

    await field.fill(SPACE);
    await dialog.getByRole('button', { name: 'Delete space', exact: true }).click();
    await p.getByRole('heading', { name: 'Deleted spaces' }).waitFor();
    expect(new URL(p.url()).pathname).toBe('/');
    expect(await p.getByRole('link', { name: SPACE }).count()).toBe(0);
    expect((await member.client.get(`/api/spaces/${spaceId}`)).status).toBe(404);
    await checkA11y(p, 'home with a deleted space');

    await p.getByRole('button', { name: `Restore ${SPACE}` }).click();
    await p.getByRole('status').filter({ hasText: `${SPACE} was restored.` }).waitFor();
    await p.getByRole('link', { name: SPACE }).waitFor();
    expect((await member.client.get(`/api/spaces/${spaceId}`)).status).toBe(200);
    await checkA11y(p, 'home after restore');
  });
});
