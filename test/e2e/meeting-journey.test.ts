/**
 * A facilitator's meeting without friction (issue 17, "Running a meeting"), walked in Chromium:
 * - the countdown, the current step and the controls stay on screen while a decision or an action item
 *   is typed, at laptop size (1366x900, a pinned column) and at phone size (390x844, a pinned bar);
 * - the PLC protocol's own "1." in step titles is not numbered a second time in the plan preview, the
 *   agenda, the countdown, the notes and the summary; the summary says "7 min (+6)" and its Markdown links
 *   the notes with an absolute address;
 * - an ended session tells one truth: steps not reached say so in the agenda as in the summary, the page
 *   says it ended (not "Live"), and a decision recorded afterwards is marked "Added after the meeting";
 * - Raise hand / Lower hand keep the keyboard focus on the toggled button and are announced.
 * axe-core runs on the page in each state. Needs a built client: `npx vite build`.
 */
import { existsSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, logIn, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { signupUser, startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e meeting journey');

type Account = Awaited<ReturnType<typeof signupUser>>;

/** True when the element's whole box lies inside the viewport. */
async function onScreen(page: Page, el: Locator): Promise<boolean> {
  const box = await el.boundingBox();
  const vp = page.viewportSize()!;
  return !!box && box.y >= 0 && box.y + box.height <= vp.height && box.x >= 0 && box.x + box.width <= vp.width;
}

describe.skipIf(!hasChromium)('running a meeting', () => {
  let server: TestServer;
  let browser: Browser;
  let fiona: Account, marco: Account;
  let f: UserBrowser, m: UserBrowser;
  let spaceId = '';

  async function createSession(body: object): Promise<string> {
    const res = await f.page.request.post(`/api/spaces/${spaceId}/sessions`, { data: body, headers: { Origin: server.url } });
    expect(res.status()).toBe(201);
    return (await res.json()).session.id;
  }

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error(`${CLIENT_DIST} is missing: run \`npx vite build\` first`);
    server = await startServer();
    [fiona, marco] = (await Promise.all(['Fiona Facilitator', 'Marco Member'].map((n) => signupUser(server.url, n)))) as [Account, Account];
    spaceId = (await fiona.client.post('/api/spaces', { name: 'Grade 6 Math PLC', kind: 'plc' })).body.space.id;
    const inv = await fiona.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' });
    expect((await marco.client.post(`/api/invites/${inv.body.invite.code}/accept`)).status).toBe(200);
    browser = await launchBrowser();
    [f, m] = await Promise.all([newUser(browser, server.url, { width: 1366, height: 900 }), newUser(browser, server.url, { width: 390, height: 844 })]);
    for (const u of [f, m]) u.page.setDefaultTimeout(10_000);
    await Promise.all([logIn(f, fiona.user.email, fiona.password), logIn(m, marco.user.email, marco.password)]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the timer stays in view while a decision and an action item are typed, on a laptop and on a phone', async () => {
    const id = await createSession({ title: 'Unit 3 data meeting', protocol: 'plc-data-meeting' });
    await Promise.all([f.page.goto(`/sessions/${id}`), m.page.goto(`/sessions/${id}`)]);
    await f.page.getByRole('button', { name: 'Start', exact: true }).click();
    for (const p of [f.page, m.page]) await p.getByRole('timer').filter({ hasText: /\d\d:\d\d/ }).waitFor();

    // Laptop: typing a decision, then an action item, then scrolled to the notes at the bottom.
    await f.page.getByLabel('New decision').fill('Reteach ratios on Tuesday');
    expect(await onScreen(f.page, f.page.getByRole('timer')), 'timer while typing a decision').toBe(true);
    expect(await onScreen(f.page, f.page.getByRole('button', { name: 'Next step' })), 'Next step while typing a decision').toBe(true);
    await f.page.getByLabel('Action item', { exact: true }).fill('Build the reteach groups');
    await f.page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    expect(await f.page.evaluate(() => window.scrollY), 'the page scrolls').toBeGreaterThan(100);
    for (const el of [f.page.getByRole('timer'), f.page.getByText(/^Step 1 of 7:/), f.page.getByRole('button', { name: 'Pause' }), f.page.getByRole('button', { name: 'Next step' })]) {
      expect(await onScreen(f.page, el), `${el} at the bottom of the page`).toBe(true);
    }
    await checkA11y(f.page, 'live session, laptop, scrolled');

    // Phone: a compact bar with the step and the clock stays at the top while the member types.
    await m.page.getByLabel('New decision').fill('We keep exit tickets');
    await m.page.getByLabel('Action item', { exact: true }).focus();
    expect(await onScreen(m.page, m.page.getByRole('timer')), 'timer on the phone while typing').toBe(true);
    expect(await onScreen(m.page, m.page.getByText(/^Step 1 of 7:/)), 'current step on the phone').toBe(true);
    const bar = await m.page.getByRole('region', { name: 'Current step' }).boundingBox();
    expect(bar!.height, 'the pinned bar is compact').toBeLessThan(130);
    expect(await m.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await checkA11y(m.page, 'live session, phone, typing');
  });

  it('steps are numbered once, and an ended session tells one truth', async () => {
    // The plan preview in the session form: "1. What do we..." is shown as the list's own 2nd item.
    await f.page.goto(`/spaces/${spaceId}/sessions`);
    // The form is open at first when the space has no session yet; else "Plan a session" opens it.
    const planButton = f.page.getByRole('button', { name: 'Plan a session' });
    await f.page.getByLabel('Protocol').or(planButton).first().waitFor();
    if (await planButton.count()) await planButton.click();
    await f.page.getByLabel('Protocol').selectOption('plc-data-meeting');
    const preview = f.page.getByRole('region', { name: /PLC data meeting/ });
    await preview.getByText('What do we want students to learn?', { exact: true }).waitFor();
    expect(await preview.innerText()).not.toMatch(/^\s*\d+\.\s/m);

    const id = await createSession({ title: 'Unit 4 data meeting', protocol: 'plc-data-meeting' });
    await f.page.goto(`/sessions/${id}`);
    const agenda = f.page.getByRole('region', { name: 'Agenda' });
    await agenda.getByText('2. What do we want students to learn?', { exact: true }).waitFor();
    expect(await agenda.innerText()).not.toMatch(/\d+\.\s+\d+\./);
    await f.page.getByRole('button', { name: 'Start', exact: true }).click();
    await f.page.getByRole('button', { name: 'Next step' }).click();
    await f.page.getByText('Step 2 of 7: What do we want students to learn?', { exact: true }).waitFor();
    await f.page.getByRole('button', { name: '+5 min' }).click();
    await f.page.getByRole('button', { name: '+1 min' }).click();
    await f.page.getByRole('status').filter({ hasText: 'Live: changes appear as they happen.' }).waitFor();
    await f.page.getByRole('button', { name: 'End session' }).click();
    await f.page.getByRole('button', { name: 'Yes, end it' }).click();

    // One truth after End: the agenda and the summary agree on what was reached.
    const summary = f.page.getByRole('region', { name: 'Summary' });
    await summary.waitFor();
    const rows = summary.getByRole('table').getByRole('row');
    await expect.poll(() => rows.nth(2).innerText()).toMatch(/2\s+What do we want students to learn\?\s+7 min \(\+6\)/);
    expect(await rows.nth(3).innerText()).toContain('Not reached');
    const items = agenda.getByRole('listitem');
    await expect.poll(() => items.nth(1).innerText()).toContain('· done');
    for (const i of [2, 3, 4, 5, 6]) expect(await items.nth(i).innerText(), `agenda step ${i + 1}`).toContain('· not reached');
    // The page says it ended and when, not "Live".
    await f.page.getByRole('status').filter({ hasText: /^Ended .+\. Anything recorded now is marked as added after the meeting\.$/ }).waitFor();
    expect(await f.page.getByText('Live: changes appear as they happen.').count()).toBe(0);
    // The notes number each step once, too.
    await summary.getByRole('region', { name: 'Notes' }).getByText('Step 2: What do we want students to learn?').waitFor();

    // A decision recorded after the End is marked, on the page, in the summary and in the download.
    await f.page.getByLabel('New decision').fill('Share the data with the principal');
    await f.page.getByRole('button', { name: 'Add decision' }).click();
    const decisions = f.page.getByRole('region', { name: 'Decisions' });
    await decisions.getByRole('listitem').filter({ hasText: 'Share the data with the principal' }).getByText('Added after the meeting').waitFor();
    await summary.getByRole('listitem').filter({ hasText: 'Share the data with the principal' }).getByText('Added after the meeting').waitFor();
    await checkA11y(f.page, 'live session, ended, decision added after');

    const href = await f.page.getByRole('link', { name: 'Download summary (Markdown)' }).getAttribute('href');
    const md = await (await f.page.request.get(href!)).text();
    expect(md).toContain('| 2 | What do we want students to learn? | 7 min (+6) |');
    expect(md).toContain('- Share the data with the principal *(added after the meeting)*');
    expect(md).toMatch(new RegExp(`Notes: \\[[^\\]]+\\]\\(${server.url.replace(/[.]/g, '\\.')}/docs/[\\w-]+\\)`));
  });

  it('Raise hand and Lower hand keep the keyboard focus and are announced', async () => {
    const id = await createSession({ title: 'Keyboard meeting', steps: [{ title: 'Talk', minutes: 10 }] });
    await Promise.all([f.page.goto(`/sessions/${id}`), m.page.goto(`/sessions/${id}`)]);
    await f.page.getByRole('button', { name: 'Start', exact: true }).click();
    const raise = m.page.getByRole('button', { name: 'Raise hand' });
    await raise.focus();
    await m.page.keyboard.press('Enter');
    await m.page.getByText('You are 1st in the queue.').waitFor();
    const focused = () => m.page.evaluate(() => document.activeElement?.textContent?.trim() ?? document.activeElement?.tagName);
    await expect.poll(focused).toBe('Lower hand');
    const polite = m.page.locator('[aria-live="polite"]').last();
    await expect.poll(() => polite.textContent()).toContain('Your hand is raised. You are number 1 in the queue.');
    // A second Enter lowers it again: the focus never left the button.
    await m.page.keyboard.press('Enter');
    await m.page.getByRole('button', { name: 'Raise hand' }).waitFor();
    await expect.poll(focused).toBe('Raise hand');
    await expect.poll(() => polite.textContent()).toContain('Your hand is lowered.');
    await f.page.getByText('Nobody has raised a hand.').waitFor();
    await checkA11y(m.page, 'live session, phone, after lowering a hand');
  });
});
