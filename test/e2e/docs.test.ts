/**
 * Co-writing in a real browser: two users in two browser CONTEXTS (separate cookies and IndexedDB; two
 * pages of one context would sync through the browser and prove nothing) type in one curriculum unit and
 * see each other's text and carets (each page sending only its own presence); a link is refused or kept by
 * the safe-link rule; one goes offline, keeps typing, comes back and both converge; a version is named,
 * viewed and restored; a budget line is edited by both in different cells; a guest reads along. axe-core runs on the documents list and the
 * document pages.
 * Needs a built client: `npx vite build` (npm run test:e2e does it).
 */
import { existsSync } from 'node:fs';
import * as decoding from 'lib0/decoding';
import type { Browser, Page, WebSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { signupUser, startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e docs');

type Account = Awaited<ReturnType<typeof signupUser>>;

async function logIn(u: UserBrowser, acc: Account) {
  await u.page.goto('/login');
  await u.page.getByLabel('Email').fill(acc.user.email);
  await u.page.getByLabel('Password').fill(acc.password);
  await u.page.getByRole('button', { name: 'Log in' }).click();
  await u.page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/** Adds the client ids of a y-websocket presence (awareness) message to `into`; other frames are skipped. */
function awarenessIds(payload: string | Buffer, into: Set<number>) {
  if (typeof payload === 'string') return;
  const dec = decoding.createDecoder(new Uint8Array(payload));
  if (decoding.readVarUint(dec) !== 1) return; // 1: awareness (0 is sync, others are ours)
  const update = decoding.createDecoder(decoding.readVarUint8Array(dec));
  for (let n = decoding.readVarUint(update); n > 0; n--) {
    into.add(decoding.readVarUint(update));
    decoding.readVarUint(update); // clock
    decoding.readVarString(update); // state (JSON)
  }
}

const body = (p: Page) => p.getByRole('textbox', { name: 'Document body' });
const status = (p: Page) => p.locator('[data-status]');
/** The document's text without the other users' caret labels (which live inside the editor DOM). */
const plainText = (p: Page) =>
  body(p).evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement;
    for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
    return copy.textContent ?? '';
  });

/** Puts the caret at the very end of the document and types a new paragraph. */
async function typeAtEnd(p: Page, text: string) {
  // Click the last block itself (a click in the middle of the body lands in whatever paragraph is there,
  // and Control+End is not always honoured before the click's selection settles), then go to its end.
  await body(p).locator(':scope > *').last().click();
  await p.keyboard.press('End');
  await p.keyboard.press('Control+End');
  await p.keyboard.press('Enter');
  await p.keyboard.type(text, { delay: 5 });
}

describe.skipIf(!hasChromium)('documents in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let alma: Account, ben: Account, cleo: Account;
  let a: UserBrowser, b: UserBrowser, c: UserBrowser;
  let spaceId = '';
  let unitUrl = '';

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error('dist/client is missing: run `npx vite build` first');
    server = await startServer();
    [alma, ben, cleo] = (await Promise.all(['Alma Reyes', 'Ben Okafor', 'Cleo Guest'].map((n) => signupUser(server.url, n)))) as [Account, Account, Account];
    spaceId = (await alma.client.post('/api/spaces', { name: 'Grade 7 Science PLC', kind: 'plc' })).body.space.id;
    for (const [acc, role] of [[ben, 'member'], [cleo, 'guest']] as const) {
      const inv = await alma.client.post(`/api/spaces/${spaceId}/invites`, { role });
      expect((await acc.client.post(`/api/invites/${inv.body.invite.code}/accept`)).status).toBe(200);
    }
    browser = await launchBrowser();
    [a, b, c] = await Promise.all([newUser(browser, server.url), newUser(browser, server.url), newUser(browser, server.url)]);
    for (const u of [a, b, c]) u.page.setDefaultTimeout(15_000);
    await Promise.all([logIn(a, alma), logIn(b, ben), logIn(c, cleo)]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('Alma creates a curriculum unit from the documents list', async () => {
    const p = a.page;
    await p.goto(`/spaces/${spaceId}/docs`);
    await p.getByRole('heading', { name: 'No documents yet' }).waitFor();
    await checkA11y(p, 'documents list (empty)');
    await p.getByRole('button', { name: 'New document' }).click();
    await p.getByLabel('Title').fill('Ecosystems unit');
    await p.getByRole('radio', { name: /Curriculum unit/ }).check();
    await checkA11y(p, 'new document form');
    await p.getByRole('button', { name: 'Create document' }).click();
    await p.waitForURL(/\/docs\/[\w-]+$/);
    unitUrl = new URL(p.url()).pathname;
    await p.getByRole('heading', { name: 'Ecosystems unit', level: 1 }).waitFor();
    await body(p).getByText('Stage 1: Desired results').waitFor(); // the template arrived over Yjs
    await expect.poll(() => status(p).textContent()).toContain('All changes saved');
    await checkA11y(p, 'document page');
  });

  it('both type in the unit and see each other’s text and named carets', async () => {
    // Every presence message Ben's page sends names its client ids: it must send only its own, never echo
    // Alma's caret moves back to the server (the stock provider does).
    const benSentIds = new Set<number>();
    const watch = (ws: WebSocket) => {
      if (new URL(ws.url()).pathname.startsWith('/yjs')) ws.on('framesent', ({ payload }) => awarenessIds(payload, benSentIds));
    };
    b.page.on('websocket', watch);
    await b.page.goto(unitUrl);
    await body(b.page).getByText('Stage 3: Learning plan').waitFor();
    await b.page.getByRole('list', { name: 'Viewing now' }).getByText('Alma Reyes').waitFor();
    await a.page.getByRole('list', { name: 'Viewing now' }).getByText('Ben Okafor').waitFor();

    await typeAtEnd(a.page, 'Alma drafts the goals.');
    await expect.poll(() => status(a.page).textContent()).toContain('All changes saved');
    await body(b.page).getByText('Alma drafts the goals.').waitFor();
    await b.page.locator('.collaboration-carets__label', { hasText: 'Alma Reyes' }).waitFor();

    await typeAtEnd(b.page, 'Ben adds the evidence.');
    await body(a.page).getByText('Ben adds the evidence.').waitFor();
    await a.page.locator('.collaboration-carets__label', { hasText: 'Ben Okafor' }).waitFor();
    await expect.poll(() => status(b.page).textContent()).toContain('All changes saved');
    b.page.off('websocket', watch);
    // Ben's caret and name went out (Alma sees them), and nothing else did: Alma's caret moved with every
    // letter she typed while Ben watched.
    expect(benSentIds.size).toBe(1);
  });

  it('links follow the safe-link rule: a javascript: address is refused, an https one is kept and exported', async () => {
    const p = a.page;
    await typeAtEnd(p, 'Read the standards');
    await p.keyboard.press('Shift+Home');
    await p.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name: 'Link', exact: true }).click();
    await p.getByLabel('Link address').fill('javascript:alert(1)');
    await p.getByRole('button', { name: 'Apply link' }).click();
    await p.getByText('Use a web address starting with https:// or http://, or mailto:').waitFor();
    expect(await body(p).locator('a').count()).toBe(0);
    await p.getByLabel('Link address').fill('https://example.org/standards');
    await p.getByRole('button', { name: 'Apply link' }).click();
    await body(p).locator('a[href="https://example.org/standards"]', { hasText: 'Read the standards' }).waitFor();
    await body(b.page).locator('a[href="https://example.org/standards"]').waitFor();
    await expect.poll(() => status(p).textContent()).toContain('All changes saved');
    const docId = unitUrl.split('/').pop()!;
    const md = await alma.client.get(`/api/docs/${docId}/export?format=markdown`);
    expect(md.body).toContain('[Read the standards](https://example.org/standards)');
  });

  it('Ben goes offline, keeps typing, comes back, and both converge', async () => {
    await b.context.setOffline(true);
    await expect.poll(() => status(b.page).textContent()).toContain('Offline: changes kept on this device');
    await typeAtEnd(b.page, 'Written on the bus without Wi-Fi.');
    await typeAtEnd(a.page, 'Alma edits meanwhile.');
    await body(b.page).getByText('Written on the bus without Wi-Fi.').waitFor();
    // While offline nothing crosses over.
    await a.page.waitForTimeout(300);
    expect(await body(a.page).textContent()).not.toContain('Written on the bus');

    await b.context.setOffline(false);
    await body(a.page).getByText('Written on the bus without Wi-Fi.').waitFor();
    await body(b.page).getByText('Alma edits meanwhile.').waitFor();
    await expect.poll(() => status(b.page).textContent()).toContain('All changes saved');
    await expect.poll(async () => (await plainText(a.page)) === (await plainText(b.page))).toBe(true);
  });

  it('a guest reads along in a read-only editor', async () => {
    await c.page.goto(unitUrl);
    await c.page.getByText('Read only', { exact: true }).waitFor();
    await body(c.page).getByText('Written on the bus without Wi-Fi.').waitFor();
    expect(await body(c.page).getAttribute('contenteditable')).toBe('false');
    expect(await c.page.getByRole('toolbar', { name: 'Formatting' }).count()).toBe(0);
    expect(await c.page.getByRole('button', { name: 'Rename' }).count()).toBe(0);
    await checkA11y(c.page, 'document page (guest)');
    await c.page.goto(`/spaces/${spaceId}/docs`);
    await c.page.getByRole('list', { name: 'Documents' }).getByRole('link', { name: 'Ecosystems unit' }).waitFor();
    expect(await c.page.getByRole('button', { name: 'New document' }).count()).toBe(0);
    expect(await c.page.getByRole('button', { name: /^Archive/ }).count()).toBe(0);
  });

  it('Alma names a version, changes the text, views the version and restores it', async () => {
    const p = a.page;
    await p.getByRole('button', { name: 'History' }).click();
    await p.getByLabel('Name this version').fill('Draft sent to principal');
    await p.getByRole('button', { name: 'Save version' }).click();
    await p.getByRole('list', { name: 'Versions' }).getByText('Draft sent to principal').waitFor();

    await typeAtEnd(p, 'A change the principal will not like.');
    await body(b.page).getByText('A change the principal will not like.').waitFor();
    await expect.poll(() => status(p).textContent()).toContain('All changes saved');

    await p.getByRole('button', { name: /^View Draft sent to principal/ }).click();
    const viewer = p.getByRole('region', { name: /Version “Draft sent to principal”/ });
    await viewer.locator('.block.added', { hasText: 'A change the principal will not like.' }).waitFor();
    await checkA11y(p, 'document page with history');

    await p.getByRole('button', { name: /^Restore Draft sent to principal/ }).click();
    await p.getByRole('button', { name: 'Yes, restore' }).click();
    await p.getByText('The previous content was kept as the version “Before restore”.').waitFor();
    for (const page of [a.page, b.page]) {
      await expect.poll(() => body(page).textContent()).not.toContain('A change the principal will not like.');
      expect(await body(page).textContent()).toContain('Written on the bus without Wi-Fi.');
    }
    const versions = p.getByRole('list', { name: 'Versions' });
    await versions.getByText('Before restore').waitFor();
    await versions.getByText('Draft sent to principal').waitFor();
  });

  it('a budget line edited by both keeps both edits and the totals update', async () => {
    const doc = (await alma.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Field trip budget', template: 'budget' })).body.doc;
    await Promise.all([a.page.goto(`/docs/${doc.id}`), b.page.goto(`/docs/${doc.id}`)]);
    for (const p of [a.page, b.page]) await p.getByLabel('Description, line 1').waitFor();

    await a.page.getByLabel('Allocation').fill('400');
    // Different cells of the same line, at the same time.
    await Promise.all([a.page.getByLabel('Description, line 1').fill('Bus rental'), b.page.getByLabel('Quantity, line 1').fill('2')]);
    await Promise.all([a.page.getByLabel('Unit cost, line 1').fill('150'), b.page.getByLabel('Funding source, line 1').fill('PTA grant')]);

    for (const p of [a.page, b.page]) {
      await expect.poll(() => p.getByLabel('Description, line 1').inputValue()).toBe('Bus rental');
      await expect.poll(() => p.getByLabel('Quantity, line 1').inputValue()).toBe('2');
      await expect.poll(() => p.getByLabel('Unit cost, line 1').inputValue()).toBe('150');
      await expect.poll(() => p.getByLabel('Funding source, line 1').inputValue()).toBe('PTA grant');
      await expect.poll(() => p.getByTestId('budget-total').textContent()).toBe('$300.00'); // money shows as money (issue 17)
    }

    await b.page.getByRole('button', { name: 'Add line' }).click();
    await b.page.getByLabel('Category, line 2').fill('Admissions');
    await b.page.getByLabel('Quantity, line 2').fill('25');
    await b.page.getByLabel('Unit cost, line 2').fill('6');
    await expect.poll(() => a.page.getByTestId('budget-total').textContent()).toBe('$450.00');
    await a.page.getByText('Over budget by').waitFor();
    await a.page.getByRole('table', { name: /Spending by category/ }).getByRole('rowheader', { name: 'Admissions' }).waitFor();
    await expect.poll(() => status(b.page).textContent()).toContain('All changes saved');
    await checkA11y(a.page, 'budget page');

    const csv = await alma.client.get(`/api/docs/${doc.id}/export?format=csv`);
    expect(csv.body).toContain('Materials,Bus rental,2,150.00,300.00,PTA grant,');
    expect(csv.body).toContain('Total,,,,450.00,,');
  });

  it('the documents list shows both documents with their templates', async () => {
    const p = b.page;
    await p.goto(`/spaces/${spaceId}/docs`);
    const list = p.getByRole('list', { name: 'Documents' });
    await list.getByRole('link', { name: 'Ecosystems unit' }).waitFor();
    await list.getByText(/Budget · Updated/).waitFor();
    await checkA11y(p, 'documents list');
  });
  it('archiving a document someone has open makes it read-only for them at once; restoring lets them edit again', async () => {
    const doc = (await alma.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Old pacing guide', template: 'blank' })).body.doc;
    await a.page.goto(`/docs/${doc.id}`);
    await expect.poll(() => status(a.page).textContent()).toContain('All changes saved');
    expect(await body(a.page).getAttribute('contenteditable')).toBe('true');

    const p = b.page;
    await p.goto(`/spaces/${spaceId}/docs`);
    await p.getByRole('button', { name: 'Archive Old pacing guide' }).click();
    await expect.poll(() => p.getByRole('list', { name: 'Documents', exact: true }).getByRole('link', { name: 'Old pacing guide' }).count()).toBe(0);
    // Alma's open editor is told, and stops taking edits.
    await status(a.page).filter({ hasText: 'This document was archived, so it is read-only now.' }).waitFor();
    await expect.poll(() => body(a.page).getAttribute('contenteditable')).toBe('false');

    // Opened from the archive: read only, and says why.
    await p.getByRole('button', { name: 'Archived documents' }).click();
    await p.getByRole('list', { name: 'Archived documents' }).getByRole('link', { name: 'Old pacing guide' }).click();
    await p.getByText('this document is archived. Restore it from Archived documents on the Documents tab to edit it.', { exact: false }).waitFor();
    expect(await body(p).getAttribute('contenteditable')).toBe('false');
    await checkA11y(p, 'archived document page');

    await p.goto(`/spaces/${spaceId}/docs`);
    await p.getByRole('button', { name: 'Archived documents' }).click();
    await p.getByRole('button', { name: 'Restore Old pacing guide' }).click();
    await p.getByRole('list', { name: 'Documents', exact: true }).getByRole('link', { name: 'Old pacing guide' }).waitFor();
    await a.page.reload();
    await expect.poll(() => body(a.page).getAttribute('contenteditable')).toBe('true');
    await typeAtEnd(a.page, 'Back in use for the spring.');
    await expect.poll(() => status(a.page).textContent()).toContain('All changes saved');
  });
});
