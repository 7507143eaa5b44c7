/**
 * Sign in with the district's accounts in a real browser against a real OpenID provider (oidc-provider on
 * port 0): the log-in page's "Sign in with District Login" button, the round trip through the provider,
 * and the page signed in; a refused sign-in explained on the log-in page. axe-core on each state.
 * Needs a built client: `npx vite build`.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, newUser, warnIfNoChromium } from '../helpers/browser';
import { startProvider, type TestProvider } from '../helpers/oidc';
import { startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e oidc');

describe.skipIf(!hasChromium)('sign in with the district provider in the browser', () => {
  let provider: TestProvider;
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error(`${CLIENT_DIST} is missing: run \`npx vite build\` first`);
    provider = await startProvider();
    server = await startServer({ env: { OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: provider.clientId, OIDC_CLIENT_SECRET: provider.clientSecret, OIDC_NAME: 'District Login' } });
    provider.register(`${server.url}/api/auth/oidc/callback`);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await provider?.close();
  });

  it('a teacher signs in with the district button and comes back to the page they asked for', async () => {
    provider.signInAs({ sub: 'district-42', email: 'imani.district@school.test', email_verified: true, name: 'Imani District' });
    const u = await newUser(browser, server.url);
    u.page.setDefaultTimeout(10_000);
    await u.page.goto('/directory');
    await u.page.waitForURL(/\/login\?next=%2Fdirectory$/);
    await u.page.getByRole('link', { name: 'Sign in with District Login' }).waitFor();
    await checkA11y(u.page, 'login with district sign-in');
    await u.page.getByRole('link', { name: 'Sign in with District Login' }).click();
    await u.page.waitForURL((url) => url.origin === server.url && url.pathname === '/directory');
    await u.page.getByRole('banner').getByRole('link', { name: 'Imani District, account settings' }).waitFor();
    await checkA11y(u.page, 'signed in through the provider');
    await u.context.close();
  });

  it('a refused sign-in comes back to the log-in page with the reason; sign-up offers the button too', async () => {
    const u = await newUser(browser, server.url);
    await u.page.goto('/login?error=oidc&reason=unverified_email');
    await u.page.getByRole('alert').filter({ hasText: 'did not confirm your email address' }).waitFor();
    await checkA11y(u.page, 'login: refused sign-in');
    await u.page.goto('/signup');
    await u.page.getByRole('link', { name: 'Sign in with District Login' }).waitFor();
    expect(await u.page.getByRole('button', { name: 'Sign up' }).count()).toBe(1);
    await u.context.close();
  });
});
