/**
 * Planning sessions in a real browser: a facilitator and a member (two browser CONTEXTS) use a PLC's
 * Sessions tab. The facilitator sees the empty state, saves norms, plans a session from the tuning
 * protocol with a scheduled time, then a custom two-step session that continues the series (a bad
 * minutes value is caught first); both notes documents exist. The member reads the norms without edit
 * controls or the create form, filters action items (Mine, Overdue), ticks one done and it stays done
 * after a reload. axe-core runs on the tab for both (the facilitator's with the form open).
 * The member then edits an action item's text, owner and due date (focus moves into the form and back to
 * Edit; an empty text is refused next to the field; axe with the form open) and the change persists in
 * the API and after a reload; ticking Done under Open takes the item off the list and moves the keyboard
 * to the next item.
 * Needs a built client: `npx vite build` (npm run test:e2e does it).
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, logIn, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { signupUser, startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e sessions planning');

type Account = Awaited<ReturnType<typeof signupUser>>;

const FIRST = 'Unit 3 assessment tuning';
const SECOND = 'Unit 3 follow-up';

const itemsList = (p: Page) => p.getByRole('list', { name: /^Action items/ });
const item = (p: Page, text: string) => itemsList(p).getByRole('listitem').filter({ hasText: text });

describe.skipIf(!hasChromium)('sessions tab: planning', () => {
  let server: TestServer;
  let browser: Browser;
  let fiona: Account, marco: Account;
  let f: UserBrowser, m: UserBrowser;
  let spaceId = '';
  let tab = '';
  const sessionIds: string[] = [];

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error(`${CLIENT_DIST} is missing: run \`npx vite build\` first`);
    server = await startServer();
    [fiona, marco] = (await Promise.all(['Fiona Facilitator', 'Marco Member'].map((n) => signupUser(server.url, n)))) as [Account, Account];
    spaceId = (await fiona.client.post('/api/spaces', { name: 'Grade 5 Math PLC', kind: 'plc' })).body.space.id;
    const inv = await fiona.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' });
    expect((await marco.client.post(`/api/invites/${inv.body.invite.code}/accept`)).status).toBe(200);
    tab = `/spaces/${spaceId}/sessions`;
    browser = await launchBrowser();
    [f, m] = await Promise.all([newUser(browser, server.url), newUser(browser, server.url, { width: 390, height: 844 })]);
    for (const u of [f, m]) u.page.setDefaultTimeout(10_000);
    await Promise.all([logIn(f, fiona.user.email, fiona.password), logIn(m, marco.user.email, marco.password)]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the facilitator sees the empty state, saves norms and plans a tuning-protocol session', async () => {
    const p = f.page;
    // Marco has the tab open already: the new session appears there without a reload.
    await m.page.goto(tab);
    await m.page.getByRole('heading', { name: 'No sessions yet.' }).waitFor();
    await p.goto(tab);
    await p.getByRole('heading', { name: 'No sessions yet.' }).waitFor();
    await p.getByRole('heading', { name: 'Plan a session' }).waitFor();
    await p.getByText('A meeting-notes document is created with a section per step').waitFor();
    await checkA11y(p, 'sessions tab, facilitator, form open');

    await p.getByRole('button', { name: 'Edit norms' }).click();
    await p.getByLabel('Norm 1', { exact: true }).fill('Start and end on time');
    await p.getByRole('button', { name: 'Add a norm' }).click();
    await p.getByLabel('Norm 2', { exact: true }).fill('Assume positive intent');
    await p.getByRole('button', { name: 'Save norms' }).click();
    await p.getByRole('status').filter({ hasText: 'Norms saved' }).waitFor();
    const norms = p.getByRole('region', { name: 'Our norms' }).getByRole('listitem');
    await expect.poll(() => norms.allTextContents()).toEqual(['Start and end on time', 'Assume positive intent']);

    await p.getByLabel('Title', { exact: true }).fill(FIRST);
    await p.getByLabel('Protocol').selectOption({ label: 'Tuning protocol' });
    await p.getByRole('heading', { name: 'Tuning protocol: 7 steps, 55 min' }).waitFor();
    await p.getByText('Warm and cool feedback', { exact: true }).waitFor();
    await p.getByLabel('Scheduled for').fill('2030-05-14T15:30');
    await p.getByRole('button', { name: 'Create session' }).click();
    await p.waitForURL(/\/sessions\/[\w-]+$/);
    const id = new URL(p.url()).pathname.split('/').pop()!;
    sessionIds.push(id);
    await m.page.getByRole('link', { name: FIRST, exact: true }).waitFor();

    const detail = (await fiona.client.get(`/api/sessions/${id}`)).body;
    expect(detail.session.protocolId).toBe('tuning');
    expect(detail.session.steps).toHaveLength(7);
    // The datetime-local value was sent as that local time (the browser runs in this machine's zone).
    expect(new Date(detail.session.scheduledAt).getTime()).toBe(new Date('2030-05-14T15:30').getTime());
  });

  it('the facilitator plans a custom two-step session that continues the series', async () => {
    const p = f.page;
    await p.goto(tab);
    await p.getByRole('link', { name: FIRST, exact: true }).waitFor();
    await p.getByRole('button', { name: 'Plan a session' }).click();
    await p.getByLabel('Title', { exact: true }).fill(SECOND);
    await p.getByLabel('Protocol').selectOption({ label: 'Our own steps' });
    const step1 = p.getByRole('group', { name: 'Step 1' });
    await step1.getByLabel('Step title').fill('Check-in on the reteach');
    await step1.getByLabel('Minutes').fill('0');
    await p.getByRole('button', { name: 'Add a step' }).click();
    const step2 = p.getByRole('group', { name: 'Step 2' });
    await expect.poll(() => step2.getByLabel('Step title').evaluate((el) => el === document.activeElement)).toBe(true);
    await step2.getByLabel('Step title').fill('Plan the next common assessment');
    await step2.getByLabel('Minutes').fill('20');
    await step2.getByLabel('Who speaks').selectOption({ label: 'Go-round: each person in turn' });
    await step2.getByLabel('Prompt').fill('Each teacher names one item to keep and one to change.');
    // Reordering keeps the keyboard on the moved step's button.
    await p.getByRole('button', { name: 'Move up step 2' }).click();
    expect(await p.getByRole('group', { name: 'Step 1' }).getByLabel('Step title').inputValue()).toBe('Plan the next common assessment');
    await expect.poll(() => p.evaluate(() => document.activeElement?.textContent)).toBe('Move down step 1');
    await p.keyboard.press('Enter');
    expect(await step1.getByLabel('Step title').inputValue()).toBe('Check-in on the reteach');
    await p.getByLabel('Continue a series').selectOption({ label: `${FIRST} (1 session so far)` });
    await checkA11y(p, 'sessions tab, custom steps');

    await p.getByRole('button', { name: 'Create session' }).click();
    await step1.getByText('Step minutes must be more than 0').waitFor();
    await expect.poll(() => step1.getByLabel('Minutes').getAttribute('aria-invalid')).toBe('true');
    expect(new URL(p.url()).pathname).toBe(tab);

    await step1.getByLabel('Minutes').fill('5');
    await p.getByRole('button', { name: 'Create session' }).click();
    await p.waitForURL(/\/sessions\/[\w-]+$/);
    const id = new URL(p.url()).pathname.split('/').pop()!;
    sessionIds.push(id);
    const s = (await fiona.client.get(`/api/sessions/${id}`)).body.session;
    expect(s.steps.map((x: { title: string; minutes: number; speaking: string }) => [x.title, x.minutes, x.speaking])).toEqual([
      ['Check-in on the reteach', 5, 'open'],
      ['Plan the next common assessment', 20, 'go-round'],
    ]);
    expect(s.seriesSeq).toBe(2);

    await p.goto(tab);
    const rows = p.getByRole('list', { name: 'Upcoming and running' }).getByRole('listitem');
    await expect.poll(() => rows.count()).toBe(2);
    const second = rows.filter({ hasText: SECOND });
    await second.getByText('Session 2 of series').waitFor();
    await second.getByText('Own steps').waitFor();
    await second.getByText('2 steps, 25 min').waitFor();
    const first = rows.filter({ hasText: FIRST });
    await first.getByText('Planned').waitFor();
    await first.getByText('Tuning protocol').waitFor();
    await first.getByText('7 steps, 55 min').waitFor();
    expect(await first.getByText('Session 2 of series').count()).toBe(0);
    await first.getByRole('link', { name: `Meeting notes: ${FIRST}` }).click();
    await p.getByRole('heading', { name: `${FIRST} — notes` }).waitFor();
    await p.goBack();

    // Each session got its meeting-notes document in the space.
    const docs = (await fiona.client.get(`/api/spaces/${spaceId}/docs`)).body.docs as { title: string }[];
    expect(docs.map((d) => d.title).sort()).toEqual([`${FIRST} — notes`, `${SECOND} — notes`].sort());
    await p.getByRole('navigation', { name: 'Space sections' }).getByRole('link', { name: 'Documents' }).click();
    await p.getByRole('link', { name: `${SECOND} — notes` }).waitFor();
  });

  it('the member reads norms, filters action items, ticks one done and it stays done', async () => {
    const [s1, s2] = sessionIds as [string, string];
    const overdue = await fiona.client.post(`/api/sessions/${s1}/action-items`, { text: 'Bring the reteach plan', ownerId: marco.user.id, dueDate: '2020-01-15' });
    expect(overdue.status).toBe(201);
    const later = await fiona.client.post(`/api/sessions/${s2}/action-items`, { text: 'Share the rubric', ownerId: fiona.user.id, dueDate: '2099-01-01' });
    expect(later.status).toBe(201);

    const p = m.page;
    await p.goto(tab);
    const norms = p.getByRole('region', { name: 'Our norms' });
    await norms.getByText('Start and end on time').waitFor();
    await p.getByRole('list', { name: 'Upcoming and running' }).getByRole('link', { name: SECOND, exact: true }).waitFor();
    expect(await p.getByRole('button', { name: 'Edit norms' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: /Plan (a|the first) session/ }).count()).toBe(0);
    expect(await p.getByRole('heading', { name: 'Plan a session' }).count()).toBe(0);

    await item(p, 'Bring the reteach plan').waitFor();
    await item(p, 'Share the rubric').waitFor();
    await checkA11y(p, 'sessions tab, member (phone width)');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390); // no sideways scrolling

    await p.getByRole('radio', { name: 'Mine' }).check();
    await item(p, 'Bring the reteach plan').getByText('Owner: Marco Member').waitFor();
    expect(await item(p, 'Share the rubric').count()).toBe(0);

    await p.getByRole('radio', { name: 'Overdue' }).check();
    const late = item(p, 'Bring the reteach plan');
    await late.getByText('Overdue:').waitFor();
    await late.getByRole('link', { name: FIRST, exact: true }).waitFor();
    expect(await item(p, 'Share the rubric').count()).toBe(0);

    await late.getByRole('checkbox', { name: /^Done/ }).click(); // click, not check(): the ticked item leaves this list at once
    await p.getByRole('status').filter({ hasText: 'Marked “Bring the reteach plan” as done.' }).waitFor();

    await p.getByRole('radio', { name: 'Open' }).check();
    await item(p, 'Share the rubric').waitFor();
    expect(await item(p, 'Bring the reteach plan').count()).toBe(0);

    await p.reload();
    await p.getByRole('radio', { name: 'Open' }).check();
    await item(p, 'Share the rubric').waitFor();
    expect(await item(p, 'Bring the reteach plan').count()).toBe(0);
    await p.getByRole('radio', { name: 'Overdue' }).check();
    await p.getByText('No overdue action items.').waitFor();
    await p.getByRole('radio', { name: 'All' }).check();
    expect(await item(p, 'Bring the reteach plan').getByRole('checkbox', { name: /^Done/ }).isChecked()).toBe(true);
  });

  it('a member edits an action item, and a done item leaves the Open list', async () => {
    const [s1] = sessionIds as [string, string];
    expect((await fiona.client.post(`/api/sessions/${s1}/action-items`, { text: 'Book the library' })).status).toBe(201);
    const p = m.page;
    await p.goto(tab);
    await item(p, 'Book the library').waitFor();
    const focused = (name: string) => p.getByRole('button', { name }).evaluate((el) => el === document.activeElement);

    // Cancel: focus goes into the form, then back to the Edit button.
    await p.getByRole('button', { name: 'Edit: Share the rubric' }).click();
    const text = p.getByLabel('Action item', { exact: true });
    await expect.poll(() => text.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await text.inputValue()).toBe('Share the rubric');
    expect(await p.getByLabel('Owner').locator('option').allTextContents()).toEqual(['Nobody', 'Fiona Facilitator', 'Marco Member']);
    expect(await p.getByLabel('Owner').inputValue()).toBe(fiona.user.id);
    await p.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => focused('Edit: Share the rubric')).toBe(true);

    // Save: an empty text is refused next to the field, then text, owner and due date are saved.
    await p.getByRole('button', { name: 'Edit: Share the rubric' }).click();
    await checkA11y(p, 'sessions tab, action item edit form open (phone width)');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await text.fill('');
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await p.getByText('Action item is required').waitFor();
    await expect.poll(() => text.getAttribute('aria-invalid')).toBe('true');
    await text.fill('Share the revised rubric');
    await p.getByLabel('Owner').selectOption({ label: 'Marco Member' });
    await p.getByLabel(/^Due date/).fill('2030-02-03');
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await p.getByRole('status').filter({ hasText: 'Saved “Share the revised rubric”.' }).waitFor();
    await expect.poll(() => focused('Edit: Share the revised rubric')).toBe(true);
    await item(p, 'Share the revised rubric').getByText('Owner: Marco Member').waitFor();

    const saved = ((await marco.client.get(`/api/spaces/${spaceId}/action-items`)).body.actionItems as { text: string; owner: { id: string } | null; dueDate: string | null }[]).find(
      (i) => i.text === 'Share the revised rubric',
    );
    expect(saved?.owner?.id).toBe(marco.user.id);
    expect(saved?.dueDate).toBe('2030-02-03');
    await p.reload();
    const row = item(p, 'Share the revised rubric');
    await row.getByText('Owner: Marco Member').waitFor();
    expect(await row.locator('time').getAttribute('datetime')).toBe('2030-02-03');
    expect(await item(p, 'Share the rubric').filter({ hasText: /^Share the rubric/ }).count()).toBe(0);

    // Under Open, an item ticked done leaves the list and the keyboard moves to the next one's Done box.
    await p.getByRole('radio', { name: 'Open' }).check();
    const open = itemsList(p).getByRole('listitem');
    await expect.poll(() => open.count()).toBe(2);
    const first = (await open.first().locator('.plan-item-text').textContent())!;
    const other = first === 'Book the library' ? 'Share the revised rubric' : 'Book the library';
    await item(p, first).getByRole('checkbox', { name: /^Done/ }).click(); // click, not check(): the ticked item leaves this list at once
    await p.getByRole('status').filter({ hasText: `Marked “${first}” as done. It left the Open list.` }).waitFor();
    await expect.poll(() => open.count()).toBe(1);
    expect(await item(p, first).count()).toBe(0);
    await expect.poll(() => item(p, other).getByRole('checkbox', { name: /^Done/ }).evaluate((el) => el === document.activeElement)).toBe(true);
    await p.reload();
    await p.getByRole('radio', { name: 'Open' }).check();
    await item(p, other).waitFor();
    expect(await item(p, first).count()).toBe(0);
  });
});
