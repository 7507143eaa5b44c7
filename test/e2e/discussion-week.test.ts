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

  it('the message list and the formatting toolbar are one Tab stop each; arrows move inside', async () => {
    await a.page.goto(`/spaces/${spaceId}/chat/${general}`);
    for (const t of ['Week plan: fractions', 'Exit tickets due Friday', 'Room 12 is free at 3']) await say(a.page, 'general', t);
    const composer = a.page.getByRole('textbox', { name: 'Message #general' });
    /** Tab presses from the list's one stop to the composer. */
    const tabsToComposer = async () => {
      await log(a.page).locator('article[tabindex="0"]').focus();
      for (let n = 1; n <= 30; n++) {
        await a.page.keyboard.press('Tab');
        if (await composer.evaluate((el) => el === document.activeElement)) return n;
      }
      return Infinity;
    };
    const before = await tabsToComposer();
    expect(before, 'Tab stops from the list to the composer').toBeLessThanOrEqual(6);
    for (const t of ['One more', 'And another', 'And a last one']) await say(a.page, 'general', t);
    expect(await tabsToComposer(), 'the same however long the channel').toBe(before);
    expect(await log(a.page).locator('article[tabindex="0"]').count()).toBe(1);

    // Arrow keys move between messages; the focused message's actions are the next Tab stops.
    await log(a.page).locator('article[tabindex="0"]').focus();
    const focusedText = () => a.page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText ?? '');
    await a.page.keyboard.press('End');
    expect(await focusedText()).toContain('And a last one');
    await a.page.keyboard.press('ArrowUp');
    await a.page.keyboard.press('ArrowUp');
    expect(await focusedText()).toContain('One more');
    await a.page.keyboard.press('Tab');
    expect(await a.page.evaluate(() => document.activeElement?.closest('article')?.innerText ?? '')).toContain('One more');
    await a.page.keyboard.press('Enter'); // React opens the picker on that message
    await msg(a.page, 'One more').getByRole('group', { name: 'Choose a reaction' }).waitFor();
    await checkA11y(a.page, 'discussion, keyboard in the message list');

    // The document toolbar: one stop, arrows inside, Tab leaves it.
    const doc = await alma.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Unit plan', template: 'meeting-notes' });
    expect(doc.status).toBe(201);
    await a.page.goto(`/docs/${doc.body.doc.id}`);
    const toolbar = a.page.getByRole('toolbar', { name: 'Formatting' });
    await toolbar.getByRole('button', { name: 'Bold' }).waitFor();
    expect(await toolbar.locator('button[tabindex="0"]').count()).toBe(1);
    await toolbar.locator('button[tabindex="0"]').focus();
    await a.page.keyboard.press('ArrowRight');
    const inToolbar = () => a.page.evaluate(() => !!document.activeElement?.closest('[role="toolbar"]'));
    expect(await inToolbar()).toBe(true);
    await a.page.keyboard.press('Tab');
    expect(await inToolbar(), 'Tab leaves the toolbar').toBe(false);
    expect(await toolbar.locator('button[tabindex="0"]').count()).toBe(1);
  });

  it('on a phone the conversation owns the screen and a thread is its own view; on a laptop the channel keeps its width', async () => {
    const phone = await newUser(browser, server.url, { width: 390, height: 844 });
    phone.page.setDefaultTimeout(10_000);
    await logIn(phone, cleo.user.email, cleo.password);
    const p = phone.page;
    await p.goto(`/spaces/${spaceId}/chat/${general}`);
    await msg(p, 'And a last one').waitFor();
    const composer = p.getByRole('textbox', { name: 'Message #general' });
    await expect.poll(async () => {
      const box = await composer.boundingBox();
      return !!box && box.y >= 0 && box.y + box.height <= 844;
    }, { message: 'composer on screen' }).toBe(true);
    const logBox = (await log(p).boundingBox())!;
    expect(logBox.height, 'the messages take most of the screen').toBeGreaterThan(844 * 0.45);
    expect(logBox.y, 'the headers scrolled away').toBeLessThan(200);
    await checkA11y(p, 'discussion on a phone');

    // A thread is its own view: one composer, in view; closing it comes back to the channel.
    await msg(p, 'Room 12 is free at 3').getByRole('button', { name: 'Reply' }).click();
    const reply = p.getByRole('textbox', { name: 'Reply in thread' });
    await reply.waitFor();
    expect(await composer.isVisible(), 'the channel composer steps aside').toBe(false);
    const rbox = (await reply.boundingBox())!;
    expect(rbox.y + rbox.height).toBeLessThanOrEqual(844);
    expect(rbox.y).toBeGreaterThanOrEqual(0);
    await checkA11y(p, 'thread on a phone');
    await p.getByRole('button', { name: 'Close thread' }).click();
    await composer.waitFor();
    expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await phone.context.close();

    // Laptop: with a thread open the channel's messages keep most of the width.
    await a.page.goto(`/spaces/${spaceId}/chat/${general}`);
    await msg(a.page, 'Room 12 is free at 3').getByRole('button', { name: 'Reply' }).click();
    await a.page.getByRole('textbox', { name: 'Reply in thread' }).waitFor();
    expect((await log(a.page).boundingBox())!.width, 'message column beside a thread').toBeGreaterThan(520);
  });
});
