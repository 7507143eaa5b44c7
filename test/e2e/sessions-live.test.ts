/**
 * A live PLC session in a real browser: a facilitator, a member and a guest (three browser CONTEXTS) open
 * the session page. The facilitator starts it and all three show step 1 with countdowns within a second
 * of each other; the member raises a hand and the facilitator sees it; the member drops offline while the
 * facilitator pauses and, back online, sees the paused state with the hand still queued; a fist-to-five
 * (member 2, guest 4) closes with the member under three, who is put at the head of the speaking queue; the member adds an action item with an owner
 * and a due date that everyone sees; naming the member timekeeper gives them the controls live; Next step
 * reaches all; End session shows a summary (attendance of all three, the action item) whose Markdown
 * download names the session. axe-core runs in the planned, running-with-a-vote and ended states.
 * A second test lets a 1.2-second step run out ("Time is up"), then holds one facilitator tab's incoming
 * socket frames while another tab moves on, so its Next goes out with a stale version: the session moves
 * one step only and the stale tab says so; an unknown session id shows "Session not found".
 * A third test has the facilitator rename and reschedule a planned session (Edit session; an empty title
 * is refused next to the field; axe with the form open): the member's open page shows the new title and
 * time without a reload, re-reading the session only for such edits (not for a raised hand); clearing the
 * time unschedules it.
 * Needs a built client: `npx vite build` (npm run test:e2e does it).
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { newId } from '../../server/ids';
import { checkA11y, hasChromium, launchBrowser, logIn, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { signupUser, startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e sessions live');

type Account = Awaited<ReturnType<typeof signupUser>>;

const TITLE = 'Grade 5 fractions data meeting';

const timer = (p: Page) => p.getByRole('timer');
const currentStep = (p: Page) => p.locator('[aria-current="step"]');
const seconds = (clock: string) => {
  const m = /^(\d+):(\d{2})$/.exec(clock.trim());
  if (!m) throw new Error(`not a clock: "${clock}"`);
  return Number(m[1]) * 60 + Number(m[2]);
};

describe.skipIf(!hasChromium)('live session page', () => {
  let server: TestServer;
  let browser: Browser;
  let fiona: Account, marco: Account, gwen: Account;
  let f: UserBrowser, m: UserBrowser, g: UserBrowser;
  let spaceId = '';

  /** Creates a custom session through the facilitator's browser (state-changing calls need a matching Origin). */
  async function createSession(title: string, steps: { title: string; minutes: number; prompt?: string }[]): Promise<{ id: string; notesDocId: string | null }> {
    const res = await f.page.request.post(`/api/spaces/${spaceId}/sessions`, { data: { title, steps }, headers: { Origin: server.url } });
    expect(res.status()).toBe(201);
    const { session } = await res.json();
    return { id: session.id, notesDocId: session.notesDocId };
  }

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error(`${CLIENT_DIST} is missing: run \`npx vite build\` first`);
    server = await startServer();
    [fiona, marco, gwen] = (await Promise.all(['Fiona Facilitator', 'Marco Member', 'Gwen Guest'].map((n) => signupUser(server.url, n)))) as [Account, Account, Account];
    spaceId = (await fiona.client.post('/api/spaces', { name: 'Grade 5 Math PLC', kind: 'plc' })).body.space.id;
    for (const [who, role] of [[marco, 'member'], [gwen, 'guest']] as const) {
      const inv = await fiona.client.post(`/api/spaces/${spaceId}/invites`, { role });
      expect((await who.client.post(`/api/invites/${inv.body.invite.code}/accept`)).status).toBe(200);
    }
    browser = await launchBrowser();
    [f, m, g] = await Promise.all([newUser(browser, server.url), newUser(browser, server.url), newUser(browser, server.url, { width: 390, height: 844 })]);
    for (const u of [f, m, g]) u.page.setDefaultTimeout(10_000);
    await Promise.all([logIn(f, fiona.user.email, fiona.password), logIn(m, marco.user.email, marco.password), logIn(g, gwen.user.email, gwen.password)]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a facilitator, a member and a guest run a session from start to summary', async () => {
    const { id, notesDocId } = await createSession(TITLE, [
      { title: 'Look at the data', minutes: 5, prompt: 'What do the exit tickets show?' },
      { title: 'Plan the reteach', minutes: 3 },
    ]);
    const pages = [f.page, m.page, g.page];
    await Promise.all(pages.map((p) => p.goto(`/sessions/${id}`)));
    for (const p of pages) {
      await p.getByRole('heading', { level: 1, name: TITLE }).waitFor();
      await p.getByText('Live: changes appear as they happen.').waitFor();
    }
    // Planned: the agenda, the notes link and the back link; only the facilitator can start.
    expect(await f.page.getByRole('link', { name: 'Open meeting notes' }).getAttribute('href')).toBe(`/docs/${notesDocId}`);
    expect(await m.page.getByRole('link', { name: 'Grade 5 Math PLC: sessions' }).getAttribute('href')).toBe(`/spaces/${spaceId}/sessions`);
    await m.page.getByText('Planned', { exact: true }).waitFor();
    expect(await m.page.getByRole('region', { name: 'Agenda' }).getByRole('listitem').count()).toBe(2);
    expect(await m.page.getByRole('button', { name: 'Start' }).count()).toBe(0);
    expect(await g.page.getByRole('button', { name: 'Start' }).count()).toBe(0);
    // Guests read the notes along; they are not offered to take them.
    await g.page.getByRole('region', { name: 'Meeting notes' }).getByRole('button', { name: 'Show the notes here' }).waitFor();
    await m.page.getByText('Nobody has raised a hand.').waitFor();
    await m.page.getByText('No decisions yet.').waitFor();
    await checkA11y(f.page, 'session page, planned, facilitator');

    // Start: all three show step 1 and the same countdown.
    await f.page.getByRole('button', { name: 'Start', exact: true }).click();
    for (const p of pages) {
      await currentStep(p).filter({ hasText: 'Look at the data' }).waitFor();
      await p.getByText('Running', { exact: true }).waitFor();
    }
    const clocks = await Promise.all(pages.map((p) => timer(p).textContent()));
    const secs = clocks.map((c) => seconds(c ?? ''));
    expect(Math.max(...secs) - Math.min(...secs), `clocks ${clocks.join(' / ')}`).toBeLessThanOrEqual(1);
    expect(Math.min(...secs)).toBeGreaterThan(4 * 60 + 50);
    expect(Math.max(...secs)).toBeLessThanOrEqual(5 * 60);
    // The step change reached screen readers through the polite region, not the ticking clock.
    await expect.poll(() => g.page.locator('[aria-live="polite"]').last().textContent()).toContain('Step 1 of 2: Look at the data');

    // The member raises a hand; the facilitator sees it in the queue.
    await m.page.getByRole('button', { name: 'Raise hand' }).click();
    await m.page.getByText('You are 1st in the queue.').waitFor();
    await f.page.getByRole('list', { name: 'Raised hands, in order' }).getByText('Marco Member').waitFor();
    await f.page.getByRole('button', { name: "Lower Marco Member's hand" }).waitFor();

    // The member drops off the network; the facilitator pauses meanwhile. Back online, the member's page
    // re-joins the room and shows the paused state; the hand is still in the queue.
    await m.context.setOffline(true);
    await m.page.getByText('You are offline.').waitFor();
    await f.page.getByRole('button', { name: 'Pause' }).click();
    await f.page.getByText('Paused', { exact: true }).first().waitFor();
    await m.context.setOffline(false);
    await m.page.getByText('Live: changes appear as they happen.').waitFor();
    await m.page.locator('.live-status', { hasText: 'Paused' }).waitFor();
    await m.page.getByText('You are 1st in the queue.').waitFor();
    await f.page.getByRole('button', { name: 'Resume' }).click();
    for (const p of pages) await p.locator('.live-status', { hasText: 'Running' }).waitFor();

    // The member lowers the hand (their point was made)...
    await m.page.getByRole('button', { name: 'Lower hand' }).click();
    await f.page.getByText('Nobody has raised a hand.').waitFor();

    // Fist to five: member 2, guest 4; closed, the member is under three.
    const question = 'Are we ready to adopt the reteach plan?';
    await f.page.getByLabel('Question').fill(question);
    await f.page.getByRole('button', { name: 'Start fist-to-five' }).click();
    for (const p of [m.page, g.page]) await p.getByText(question, { exact: true }).waitFor();
    await m.page.getByRole('group', { name: /Your vote/ }).getByRole('button', { name: /^2\b/ }).click();
    await g.page.getByRole('group', { name: /Your vote/ }).getByRole('button', { name: /^4\b/ }).click();
    await expect.poll(() => m.page.getByRole('group', { name: /Your vote/ }).getByRole('button', { name: /^2\b/ }).getAttribute('aria-pressed')).toBe('true');
    await f.page.getByText('2 votes cast so far.').waitFor();
    // Reloading keeps the member's own ballot shown (the server tells it at join).
    await m.page.reload();
    await expect.poll(() => m.page.getByRole('group', { name: /Your vote/ }).getByRole('button', { name: /^2\b/ }).getAttribute('aria-pressed')).toBe('true');
    await m.page.getByText('You showed 2. You can change it until the vote is closed.').waitFor();
    await checkA11y(m.page, 'session page, running with a vote open, member');
    await f.page.getByRole('button', { name: 'Close vote' }).click();
    for (const p of pages) await p.getByText('Marco Member gets the floor before a re-vote.').waitFor();
    // ...and getting the floor puts them back at the head of the speaking queue.
    await m.page.getByText('You are 1st in the queue.').waitFor();
    await f.page.getByRole('list', { name: 'Raised hands, in order' }).getByText('Marco Member').waitFor();
    await f.page.getByRole('button', { name: 'Re-vote' }).waitFor();

    // The member records an action item with an owner and a due date; everyone sees it. Guests only read.
    await m.page.getByLabel('Action item', { exact: true }).fill('Reteach equivalent fractions to group B');
    await m.page.getByLabel('Owner').selectOption({ label: 'Marco Member' });
    await m.page.getByLabel(/^Due date/).fill('2030-06-01');
    await m.page.getByRole('button', { name: 'Add action item' }).click();
    for (const p of pages) {
      const row = p.getByRole('list', { name: 'Action items from this session' }).getByRole('listitem').filter({ hasText: 'Reteach equivalent fractions to group B' });
      await row.getByText('Owner: Marco Member').waitFor();
      await row.getByText(/Due /).waitFor();
    }
    expect(await g.page.getByRole('button', { name: 'Add action item' }).count()).toBe(0);
    await f.page.getByLabel('New decision').fill('Reteach groups meet on Tuesdays');
    await f.page.getByRole('button', { name: 'Add decision' }).click();
    await g.page.getByText('Reteach groups meet on Tuesdays').waitFor();

    // The facilitator names the member timekeeper: the member's page offers the controls at once.
    expect(await m.page.getByRole('button', { name: 'Next step' }).count()).toBe(0);
    await f.page.getByRole('button', { name: 'Edit roles' }).click();
    await f.page.getByLabel('Timekeeper').selectOption({ label: 'Marco Member' });
    await f.page.getByRole('button', { name: 'Save roles' }).click();
    await f.page.getByRole('status').filter({ hasText: 'Roles saved.' }).waitFor();
    await g.page.getByRole('region', { name: 'Roles' }).getByText('Marco Member').waitFor();
    await m.page.getByRole('button', { name: 'Next step' }).waitFor();

    // Next step reaches everyone, then the facilitator ends the session.
    await f.page.getByRole('button', { name: 'Next step' }).click();
    for (const p of pages) await currentStep(p).filter({ hasText: 'Plan the reteach' }).waitFor();
    await f.page.getByRole('button', { name: 'End session' }).click();
    await f.page.getByRole('button', { name: 'Yes, end it' }).click();
    for (const p of pages) {
      await p.getByText('Ended', { exact: true }).waitFor();
      const summary = p.getByRole('region', { name: 'Summary' });
      const attendance = summary.getByRole('list', { name: /Attendance/ }).getByRole('listitem');
      await expect.poll(() => attendance.allTextContents()).toEqual(expect.arrayContaining(['Fiona Facilitator (Facilitator)', 'Marco Member (Member)', 'Gwen Guest (Guest)']));
      expect(await attendance.count()).toBe(3);
      await summary.getByRole('list', { name: 'Action items' }).getByText('Reteach equivalent fractions to group B').waitFor();
      // The meeting notes close the summary, with a link to the document; the action item was written into them.
      const notes = summary.getByRole('region', { name: 'Notes' });
      await notes.getByText('Step 1: Look at the data').waitFor();
      await notes.getByText(/Reteach equivalent fractions to group B \(Marco Member, due /).waitFor();
      expect(await summary.getByRole('link', { name: `Open ${TITLE} — notes` }).getAttribute('href')).toBe(`/docs/${notesDocId}`);
    }
    await checkA11y(g.page, 'session page, ended, guest at phone width');
    expect(await g.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

    const link = f.page.getByRole('link', { name: 'Download summary (Markdown)' });
    expect(await link.getAttribute('download')).not.toBeNull();
    const md = await f.page.request.get((await link.getAttribute('href'))!);
    expect(md.status()).toBe(200);
    expect(md.headers()['content-type']).toContain('text/markdown');
    const text = await md.text();
    expect(text).toContain(`# ${TITLE}`);
    expect(text).toContain('Reteach equivalent fractions to group B');
    expect(text).toContain('## Notes');
    expect(text).toContain('#### Step 1: Look at the data');
  });

  it('two facilitator tabs clicking Next on the same step move the session one step only', async () => {
    const { id } = await createSession('Stale control check', [
      { title: 'First', minutes: 0.02 },
      { title: 'Second', minutes: 5 },
      { title: 'Third', minutes: 5 },
    ]);
    // A second tab of the facilitator whose incoming socket frames can be held back, so it keeps
    // showing the old step (and its old version) after the first tab has moved on.
    const tab = await newUser(browser, server.url);
    tab.page.setDefaultTimeout(10_000);
    await logIn(tab, fiona.user.email, fiona.password);
    let hold = false;
    const held: (string | Buffer)[] = [];
    let toPage: ((msg: string | Buffer) => void) | null = null;
    await tab.page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const upstream = ws.connectToServer();
      toPage = (msg) => ws.send(msg);
      ws.onMessage((msg) => upstream.send(msg));
      upstream.onMessage((msg) => (hold ? held.push(msg) : ws.send(msg)));
    });
    try {
      await Promise.all([f.page.goto(`/sessions/${id}`), tab.page.goto(`/sessions/${id}`)]);
      for (const p of [f.page, tab.page]) await p.getByText('Live: changes appear as they happen.').waitFor();
      await f.page.getByRole('button', { name: 'Start', exact: true }).click();
      for (const p of [f.page, tab.page]) await currentStep(p).filter({ hasText: 'First' }).waitFor();
      // A 1.2-second step: its time runs out and the page says so (nothing advances by itself).
      await f.page.locator('.live-clock-caption', { hasText: 'Time is up' }).waitFor();
      expect(await timer(f.page).getAttribute('aria-label')).toBe('Time is up');
      expect(await timer(f.page).textContent()).toBe('00:00');

      hold = true;
      await f.page.getByRole('button', { name: 'Next step' }).click();
      await currentStep(f.page).filter({ hasText: 'Second' }).waitFor();
      await currentStep(tab.page).filter({ hasText: 'First' }).waitFor();
      await tab.page.getByRole('button', { name: 'Next step' }).click();
      // Wait until the server's answer to that click (a Socket.IO ack frame, "43<id>[...]") is held too.
      await expect.poll(() => held.some((m) => String(m).startsWith('43'))).toBe(true);
      expect(held.length).toBeGreaterThan(0);
      hold = false;
      for (const msg of held.splice(0)) toPage!(msg);

      await tab.page.getByRole('status').filter({ hasText: 'Someone else already moved the session; showing the latest state.' }).waitFor();
      for (const p of [f.page, tab.page]) await currentStep(p).filter({ hasText: 'Second' }).waitFor();
      const detail = await (await f.page.request.get(`/api/sessions/${id}`)).json();
      expect(detail.session.state.stepIndex).toBe(1);
    } finally {
      await tab.context.close();
    }
    // An unknown session is a clear "not found", not an empty page.
    await f.page.goto(`/sessions/${newId()}`);
    await f.page.getByRole('heading', { name: 'Session not found' }).waitFor();
  });

  it("a facilitator renames and reschedules a session; the member's open page follows", async () => {
    const { id } = await createSession('Data meeting (draft)', [{ title: 'Look at the data', minutes: 5 }]);
    const renamed = 'Grade 5 data meeting: unit 4';
    await Promise.all([f.page.goto(`/sessions/${id}`), m.page.goto(`/sessions/${id}`)]);
    for (const p of [f.page, m.page]) {
      await p.getByRole('heading', { level: 1, name: 'Data meeting (draft)' }).waitFor();
      await p.getByText('Live: changes appear as they happen.').waitFor();
    }
    await m.page.getByRole('region', { name: 'Roles' }).waitFor();
    expect(await m.page.getByRole('button', { name: 'Edit session' }).count()).toBe(0);
    // The member's page re-reads the session detail only for edits of it, never for the live traffic.
    const detailReads: string[] = [];
    m.page.on('request', (req) => {
      if (req.method() === 'GET' && new URL(req.url()).pathname === `/api/sessions/${id}`) detailReads.push(req.url());
    });

    const p = f.page;
    await p.getByRole('button', { name: 'Edit session' }).click();
    const title = p.getByLabel('Title', { exact: true });
    await expect.poll(() => title.evaluate((el) => el === document.activeElement)).toBe(true);
    await checkA11y(p, 'session page, edit session form open');
    await title.fill('  ');
    await p.getByRole('button', { name: 'Save session' }).click();
    await p.getByText('Title is required').waitFor();
    await expect.poll(() => title.getAttribute('aria-invalid')).toBe('true');
    await title.fill(renamed);
    await p.getByLabel(/^Scheduled for/).fill('2031-09-10T16:45');
    await p.getByRole('button', { name: 'Save session' }).click();
    await p.getByRole('status').filter({ hasText: 'Session saved.' }).waitFor();
    await p.getByRole('heading', { level: 1, name: renamed }).waitFor();
    await expect.poll(() => p.evaluate(() => document.activeElement?.textContent)).toBe('Edit session');
    expect(await p.getByRole('button', { name: 'Save session' }).count()).toBe(0);

    // The member's page follows without a reload: the title, the tab's title and the time.
    await m.page.getByRole('heading', { level: 1, name: renamed }).waitFor();
    await m.page.getByText(/^Scheduled for /).waitFor();
    await expect.poll(() => m.page.title()).toBe(`${renamed} · Collaboratory`);
    const s = (await marco.client.get(`/api/sessions/${id}`)).body.session;
    expect(s.title).toBe(renamed);
    expect(new Date(s.scheduledAt).getTime()).toBe(new Date('2031-09-10T16:45').getTime());
    expect(detailReads.length).toBeGreaterThan(0);

    // Cancel leaves it as it was; clearing the time unschedules it, for the member too.
    await p.getByRole('button', { name: 'Edit session' }).click();
    expect(await p.getByLabel(/^Scheduled for/).inputValue()).toBe('2031-09-10T16:45');
    await p.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => p.evaluate(() => document.activeElement?.textContent)).toBe('Edit session');
    await p.getByRole('button', { name: 'Edit session' }).click();
    await p.getByLabel(/^Scheduled for/).fill('');
    await p.getByRole('button', { name: 'Save session' }).click();
    await p.getByRole('status').filter({ hasText: 'Session saved.' }).waitFor();
    await expect.poll(() => m.page.getByText(/^Scheduled for /).count()).toBe(0);
    expect((await marco.client.get(`/api/sessions/${id}`)).body.session.scheduledAt).toBeNull();

    // A raised hand (a change of the live state) does not make the member's page re-read the session.
    await p.getByRole('button', { name: 'Start', exact: true }).click();
    await m.page.locator('.live-status', { hasText: 'Running' }).waitFor();
    await m.page.waitForTimeout(300);
    const before = detailReads.length;
    await m.page.getByRole('button', { name: 'Raise hand' }).click();
    await p.getByRole('button', { name: "Lower Marco Member's hand" }).waitFor();
    await m.page.getByRole('button', { name: 'Lower hand' }).click();
    await m.page.getByRole('button', { name: 'Raise hand' }).waitFor();
    await m.page.waitForTimeout(300);
    expect(detailReads.length).toBe(before);
  });
  it('the note-taker writes the notes on the session page; the facilitator opens them there, live; the summary carries them', async () => {
    const { id, notesDocId } = await createSession('Notes on the page', [{ title: 'Look at the exit tickets', minutes: 5 }]);
    expect((await fiona.client.patch(`/api/sessions/${id}`, { roles: { noteTaker: marco.user.id } })).status).toBe(200);
    await Promise.all([f.page.goto(`/sessions/${id}`), m.page.goto(`/sessions/${id}`)]);
    const notes = (p: Page) => p.getByRole('region', { name: 'Meeting notes' });
    const editor = (p: Page) => notes(p).getByRole('textbox', { name: 'Document body' });

    // The note-taker's page opens the notes at once; the facilitator's offers them.
    await editor(m.page).waitFor();
    await notes(m.page).getByText('All changes saved').waitFor();
    expect(await notes(f.page).getByRole('button', { name: 'Take notes here' }).getAttribute('aria-expanded')).toBe('false');
    expect(await notes(f.page).getByRole('link', { name: 'Open in full page' }).getAttribute('href')).toBe(`/docs/${notesDocId}`);

    // Into the empty bullet of the step's own section (the line under its prompt).
    await editor(m.page).getByText('Open discussion · 5 min').click();
    await m.page.keyboard.press('ArrowDown');
    await m.page.keyboard.type('18 of 24 met the target', { delay: 5 });
    await notes(m.page).getByText('All changes saved').waitFor();
    // On a phone the editor and its toolbar fit the screen.
    await m.page.setViewportSize({ width: 390, height: 844 });
    expect(await m.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await m.page.setViewportSize({ width: 1280, height: 800 });

    await notes(f.page).getByRole('button', { name: 'Take notes here' }).click();
    await editor(f.page).getByText('18 of 24 met the target').waitFor();
    expect(await notes(f.page).getByRole('button', { name: 'Hide notes' }).getAttribute('aria-expanded')).toBe('true');
    await checkA11y(f.page, 'session page with the meeting notes open');

    // A decision recorded on the page lands in the notes' Decisions section, live in both editors.
    await f.page.getByLabel('New decision').fill('Regroup for fractions on Monday');
    await f.page.getByRole('button', { name: 'Add decision' }).click();
    for (const p of [m.page, f.page]) await editor(p).getByRole('listitem').filter({ hasText: 'Regroup for fractions on Monday' }).waitFor();
    // An action item lands in the notes' checklist; ticking it Done on the page ticks it there too.
    await f.page.getByLabel('Action item', { exact: true }).fill('Copy the exit tickets');
    await f.page.getByRole('button', { name: 'Add action item' }).click();
    const line = editor(m.page).getByRole('listitem').filter({ hasText: 'Copy the exit tickets' });
    await line.waitFor();
    expect(await line.getByRole('checkbox').isChecked()).toBe(false);
    await f.page.getByRole('checkbox', { name: /^Done.*Copy the exit tickets/ }).check();
    await expect.poll(() => line.getByRole('checkbox').isChecked()).toBe(true);

    // The facilitator ends the session: the summary shows what the note-taker wrote.
    await f.page.getByRole('button', { name: 'Start', exact: true }).click();
    await f.page.getByRole('button', { name: 'End session' }).click();
    await f.page.getByRole('button', { name: 'Yes, end it' }).click();
    const summary = m.page.getByRole('region', { name: 'Summary' });
    await summary.getByRole('region', { name: 'Notes' }).getByText('18 of 24 met the target').waitFor();
    const md = (await marco.client.get(`/api/sessions/${id}/summary?format=markdown`)).body as string;
    expect(md.indexOf('18 of 24 met the target')).toBeGreaterThan(md.indexOf('#### Step 1: Look at the exit tickets'));
  });
});
