/**
 * Guest rights in the browser: a facilitator unticks "Post in the discussion" in the space details; the
 * guest's Discussion tab then says so and offers no composer; ticking it again gives the composer back.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, logIn, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { signupUser, startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e guest rights');

describe.skipIf(!hasChromium)('guest rights in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let fac: UserBrowser, guest: UserBrowser;
  let spaceId = '';

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error('dist/client is missing: run `npx vite build` first');
    server = await startServer();
    const [f, g] = await Promise.all([signupUser(server.url, 'Fay Facilitator'), signupUser(server.url, 'Gil Guest')]);
    spaceId = (await f.client.post('/api/spaces', { name: 'Cross-district lab', kind: 'lab' })).body.space.id;
    const inv = await f.client.post(`/api/spaces/${spaceId}/invites`, { role: 'guest' });
    expect((await g.client.post(`/api/invites/${inv.body.invite.code}/accept`)).status).toBe(200);
    browser = await launchBrowser();
    [fac, guest] = await Promise.all([newUser(browser, server.url), newUser(browser, server.url)]);
    for (const u of [fac, guest]) u.page.setDefaultTimeout(15_000);
    await Promise.all([logIn(fac, f.user.email, f.password), logIn(guest, g.user.email, g.password)]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a facilitator switches guests out of posting, and back', async () => {
    const p = fac.page;
    await p.goto(`/spaces/${spaceId}`);
    await p.getByRole('button', { name: 'Edit details' }).click();
    const post = p.getByRole('checkbox', { name: 'Post in the discussion' });
    await expect(post.isChecked()).resolves.toBe(true);
    await checkA11y(p, 'space details form');
    await post.uncheck();
    await p.getByRole('button', { name: 'Save details' }).click();
    await p.getByText('Guests can read everything. They may raise hands and vote in sessions and comment on documents.').waitFor();

    await guest.page.goto(`/spaces/${spaceId}/chat`);
    await guest.page.getByText('Guests can read this discussion but not post in it').waitFor();
    expect(await guest.page.getByRole('textbox', { name: /^Message #/ }).count()).toBe(0);

    await p.getByRole('button', { name: 'Edit details' }).click();
    await p.getByRole('checkbox', { name: 'Post in the discussion' }).check();
    await p.getByRole('button', { name: 'Save details' }).click();
    await p.getByText('Guests can read everything. They may post in the discussion, raise hands and vote in sessions, and comment on documents.').waitFor();

    await guest.page.reload();
    await guest.page.getByRole('textbox', { name: 'Message #general' }).fill('Thanks for letting me join');
    await guest.page.keyboard.press('Enter');
    await guest.page.getByRole('log').getByText('Thanks for letting me join').waitFor();
  });
});
