/**
 * The Administration page in a real browser: reached from Account settings, lists spaces and accounts,
 * disables an account (its login ends), issues a reset link; and a facilitator's Audit trail panel on the
 * space overview with its filter. axe-core on each state. Needs a built client: `npx vite build`.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, logIn, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { signupUser, startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e administration');

const ADMIN = { email: 'ines.admin@district.test', password: 'correct horse battery', name: 'Ines Admin' };

describe.skipIf(!hasChromium)('administration in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let adminUser: UserBrowser;
  let teacher: Awaited<ReturnType<typeof signupUser>>;
  let spaceId = '';

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error(`${CLIENT_DIST} is missing: run \`npx vite build\` first`);
    server = await startServer({ env: { ADMIN_EMAILS: ADMIN.email } });
    browser = await launchBrowser();
    adminUser = await newUser(browser, server.url);
    adminUser.page.setDefaultTimeout(10_000);
    expect((await adminUser.context.request.post('/api/auth/signup', { data: ADMIN })).status()).toBe(201);
    teacher = await signupUser(server.url, 'Tomas Teacher');
    spaceId = (await teacher.client.post('/api/spaces', { name: 'Grade 5 PLC', kind: 'plc' })).body.space.id;
    await teacher.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('an administrator opens Administration from Account settings, disables an account and issues a reset link', async () => {
    const p = adminUser.page;
    await p.goto('/account');
    await p.getByRole('link', { name: 'Administration' }).click();
    await p.getByRole('heading', { name: 'Administration', level: 1 }).waitFor();
    await p.getByRole('link', { name: 'Grade 5 PLC' }).waitFor();
    await p.getByRole('heading', { name: 'Audit trail (whole server)' }).waitFor();
    await checkA11y(p, 'administration');

    await p.getByRole('button', { name: 'Disable Tomas Teacher' }).click();
    await p.getByRole('button', { name: 'Enable Tomas Teacher' }).waitFor();
    expect((await teacher.client.get('/api/me')).status).toBe(401);

    await p.getByRole('button', { name: 'Reset link for Tomas Teacher' }).click();
    const field = p.getByLabel('Reset link for Tomas Teacher (one use, one hour)');
    await field.waitFor();
    expect(await field.inputValue()).toMatch(/\/reset-password\/[A-Za-z0-9_-]{43}$/);
    await checkA11y(p, 'administration: reset link shown');
  });

  it('a teacher without the right sees a refusal at /admin', async () => {
    const other = await signupUser(server.url, 'Curious');
    const u = await newUser(browser, server.url);
    await logIn(u, other.user.email, other.password);
    await u.page.goto('/admin');
    await u.page.getByRole('alert').filter({ hasText: 'Only the administrators' }).waitFor();
    await u.context.close();
  });

  it("a facilitator reads the space's audit trail on its overview and filters it", async () => {
    await adminUser.page.getByRole('button', { name: 'Enable Tomas Teacher' }).click();
    await adminUser.page.getByRole('button', { name: 'Disable Tomas Teacher' }).waitFor();
    const u = await newUser(browser, server.url);
    u.page.setDefaultTimeout(10_000);
    await logIn(u, teacher.user.email, teacher.password);
    await u.page.goto(`/spaces/${spaceId}`);
    const panel = u.page.getByRole('region', { name: 'Audit trail' });
    await panel.getByRole('cell', { name: 'Invite link created' }).waitFor();
    await checkA11y(u.page, 'space overview with audit trail');
    await panel.getByLabel('Action').selectOption('member.removed');
    await panel.getByText('Nothing recorded for this action yet.').waitFor();
    expect(await panel.getByRole('link', { name: 'Download CSV' }).getAttribute('href')).toBe(`/api/spaces/${spaceId}/audit?action=member.removed&format=csv&limit=1000`);
    await u.context.close();
  });
});
