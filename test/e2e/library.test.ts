/**
 * The library in a real browser, two users in two CONTEXTS and two spaces: Alma keeps her space's Names
 * to watch, checks her unit for student information and publishes it (the check stops her until she
 * confirms with a reason); Ben finds it from his account, reviews it, marks "I used this", remixes it
 * into his space and opens the remix with its attribution line; version 2 shows up in the remix as "a
 * newer version". A public publication opens signed out; a signed-in-only one asks to log in. axe-core
 * runs on /library and /library/:id. Needs a built client (`npx vite build`).
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, logIn, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import type { Person } from '../helpers/collab';
import { typeInto } from '../helpers/library';
import { signupUser, startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e library');

type Account = Awaited<ReturnType<typeof signupUser>>;

describe.skipIf(!hasChromium)('the library in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let alma: Account, ben: Account;
  let a: UserBrowser, b: UserBrowser, anon: UserBrowser;
  let spaceA = '';
  let unitId = '';
  let publicationUrl = '';
  let remixUrl = '';

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error('dist/client is missing: run `npx vite build` first');
    server = await startServer();
    [alma, ben] = (await Promise.all(['Alma Reyes', 'Ben Okafor'].map((n) => signupUser(server.url, n)))) as [Account, Account];
    spaceA = (await alma.client.post('/api/spaces', { name: 'Grade 6 Math PLC', kind: 'plc' })).body.space.id;
    await ben.client.post('/api/spaces', { name: 'Riverside Lab', kind: 'lab' });
    unitId = (await alma.client.post(`/api/spaces/${spaceA}/docs`, { title: 'Ratios unit', template: 'curriculum-unit' })).body.doc.id;
    await typeInto(server.wsUrl, alma as Person, unitId, 'Tape diagrams for equivalent ratios.', 'Questions: alma.reyes@district.example.org', 'Maya Lopez explained her table.');
    browser = await launchBrowser();
    [a, b, anon] = await Promise.all([newUser(browser, server.url), newUser(browser, server.url), newUser(browser, server.url)]);
    for (const u of [a, b, anon]) u.page.setDefaultTimeout(15_000);
    await logIn(a, alma.user.email, alma.password);
    await logIn(b, ben.user.email, ben.password);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('Alma checks for student information, then publishes after confirming with a reason', async () => {
    const p = a.page;
    await p.goto(`/spaces/${spaceA}`);
    await p.getByLabel('Roster (replaces the current list)').fill('Maya Lopez\nJordan Ng');
    await p.getByRole('button', { name: 'Save names' }).click();
    await p.getByText('Saved. 2 names watched.').waitFor();
    await checkA11y(p, 'space overview with Names to watch');
    expect(await p.content()).not.toContain('Jordan Ng');

    await p.goto(`/docs/${unitId}`);
    await p.getByRole('button', { name: 'Check for student information' }).click();
    await p.getByText('2 spots may be student information').waitFor();
    const found = p.getByRole('list', { name: 'Possible student information' });
    await found.getByText('alma.reyes@district.example.org').waitFor();
    await found.getByText('Name from Names to watch').waitFor();

    await p.getByRole('button', { name: 'Publish to the library' }).click();
    await p.getByLabel('Summary').fill('A three-week ratios unit with warm-ups and exit tickets.');
    await p.getByLabel('Subjects').fill('Math');
    await p.getByLabel('Grades').fill('6, 7');
    expect(await p.getByLabel('License').inputValue()).toBe('CC-BY-4.0');
    await expect.poll(() => p.getByRole('checkbox', { name: 'Alma Reyes' }).isChecked()).toBe(true);
    await p.getByRole('button', { name: 'Publish', exact: true }).click();
    await p.getByRole('heading', { name: 'This may contain student information' }).waitFor();
    await p.getByLabel('Reason for publishing anyway').fill('It is my school address, shared on purpose.');
    await p.getByRole('button', { name: 'Confirm and publish' }).click();
    await p.waitForURL(/\/library\/[\w-]+$/);
    publicationUrl = new URL(p.url()).pathname;
    await p.getByRole('heading', { level: 1, name: 'Ratios unit' }).waitFor();
    await p.getByText('Tape diagrams for equivalent ratios.').waitFor();
    await checkA11y(p, 'publication page (author)');
    await p.getByRole('button', { name: 'Withdraw' }).waitFor();
  });

  it('Ben finds it from his account, reviews it, uses it and remixes it into his space', async () => {
    const p = b.page;
    await p.goto('/library');
    await p.getByRole('link', { name: 'Ratios unit' }).waitFor();
    await checkA11y(p, 'library');
    await p.getByLabel('Search words').fill('diagrams');
    await p.getByLabel('Subject').fill('math');
    await p.getByRole('button', { name: 'Search' }).click();
    await p.getByText('1 publication', { exact: true }).waitFor();
    await p.getByLabel('Search words').fill('photosynthesis');
    await p.getByRole('button', { name: 'Search' }).click();
    await p.getByText('No publications match these filters.').waitFor();
    await p.getByRole('button', { name: 'Clear filters' }).first().click();
    await p.getByRole('link', { name: 'Ratios unit' }).click();
    await p.waitForURL((u) => u.pathname === publicationUrl);

    await p.getByLabel('Your review').fill('Used this with my 7th graders; the warm-up needed more time.');
    await p.getByRole('button', { name: 'Post review' }).click();
    await p.getByText('the warm-up needed more time').waitFor();
    await p.getByRole('button', { name: 'I used this' }).click();
    await p.getByRole('button', { name: 'You used this' }).waitFor();
    await checkA11y(p, 'publication page (reader)');

    await p.getByRole('button', { name: 'Remix into this space' }).click();
    await p.waitForURL(/\/docs\/[\w-]+$/);
    const editor = p.getByRole('textbox', { name: 'Document body' });
    await editor.getByText('Remixed from Ratios unit by Alma Reyes, CC BY 4.0').waitFor();
    await editor.getByText('Tape diagrams for equivalent ratios.').waitFor();
    await p.getByText('Remixed from', { exact: false }).getByRole('link', { name: 'Ratios unit' }).waitFor();
    remixUrl = new URL(p.url()).pathname;
  });

  it('when Alma publishes version 2, Ben\'s remix says a newer version is available, with what changed', async () => {
    await typeInto(server.wsUrl, alma as Person, unitId, 'Exit ticket: compare two ratios.');
    const v2 = await alma.client.post(`/api/docs/${unitId}/publish`, { summary: 'Now with exit tickets.', subjects: ['Math'], grades: ['6'], license: 'CC-BY-4.0', confirmStudentInfo: 'Same address as before.' });
    expect(v2.body.publication.version).toBe(2);
    const p = b.page;
    await p.goto(remixUrl);
    await p.getByRole('heading', { name: 'A newer version of the original is available' }).waitFor();
    await p.getByRole('list', { name: 'What changed' }).getByText('Added: Exit ticket: compare two ratios.').waitFor();
    await p.goto(publicationUrl);
    await p.getByText('Version 2', { exact: true }).waitFor();
    await checkA11y(p, 'publication page with two versions');
  });

  it('a public publication opens signed out; a signed-in-only one asks to log in', async () => {
    const docId = (await alma.client.post(`/api/spaces/${spaceA}/docs`, { title: 'Open protocol', template: 'meeting-notes' })).body.doc.id;
    const pub = await alma.client.post(`/api/docs/${docId}/publish`, { summary: 'For everyone.', subjects: ['PLC'], grades: [], license: 'CC-BY-SA-4.0', visibility: 'public' });
    expect(pub.status).toBe(201);
    const p = anon.page;
    await p.goto(`/library/${pub.body.publication.id}`);
    await p.getByRole('heading', { level: 1, name: 'Open protocol' }).waitFor();
    await p.getByText('CC BY-SA 4.0', { exact: false }).first().waitFor();
    await checkA11y(p, 'public publication signed out');
    await p.goto(publicationUrl);
    await p.getByRole('heading', { name: 'Log in to read this publication' }).waitFor();
    expect(new URL(p.url()).pathname).toBe(publicationUrl);
  });
});
