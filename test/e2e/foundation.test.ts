/**
 * The foundation user journey in a real browser (Debian chromium via playwright-core), two users in two
 * browser CONTEXTS: A signs up, creates a PLC, makes an invite link; B opens it signed out, signs up
 * through it and lands in the space; roles change; the directory and join requests work; stale invite
 * links and unknown pages explain themselves. axe-core runs on every page visited.
 * Needs a built client: `npx vite build` (npm run test:e2e does it).
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e foundation');

const A = { name: 'Alma Reyes', email: 'alma.reyes@school.test', password: 'correct horse battery' };
const B = { name: 'Ben Okafor', email: 'ben.okafor@school.test', password: 'staple battery horse' };
const PLC = 'Grade 7 Math PLC';
const LAB = 'Cross-district Science Lab';

/** The member list's row for a person, and its role badge. */
const memberRow = (page: Page, name: string) => page.getByRole('list', { name: 'Members' }).getByRole('listitem').filter({ hasText: name });
/** Fails when the page scrolls sideways (B browses at phone width). */
async function expectNoSideways(page: Page) {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll, `horizontal overflow on ${page.url()}`).toBeLessThanOrEqual(client);
}
const waitForRole = (page: Page, name: string, role: string) => memberRow(page, name).locator('.badge', { hasText: role }).waitFor();

describe.skipIf(!hasChromium)('foundation journey in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let a: UserBrowser;
  let b: UserBrowser;
  let plcUrl = '';

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error('dist/client is missing: run `npx vite build` first');
    server = await startServer();
    browser = await launchBrowser();
    a = await newUser(browser, server.url);
    b = await newUser(browser, server.url, { width: 375, height: 812 }); // B is on a phone
    for (const u of [a, b]) u.page.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('A signs up, sees the empty state, and creates a PLC', async () => {
    const p = a.page;
    await p.goto('/');
    await p.waitForURL(/\/login$/); // signed out: my spaces needs an account
    await p.getByRole('link', { name: 'Create an account' }).click();
    await p.getByRole('heading', { name: 'Create your account' }).waitFor();
    await checkA11y(p, 'signup');

    // Friendly messages next to the fields, before anything is sent.
    await p.getByRole('button', { name: 'Sign up' }).click();
    await p.getByText('Name is required').waitFor();
    await p.getByText('Password must be at least 8 characters').waitFor();
    expect(await p.getByLabel('Your name').getAttribute('aria-invalid')).toBe('true');
    await checkA11y(p, 'signup with errors');

    await p.getByLabel('Your name').fill(A.name);
    await p.getByLabel('Email').fill(A.email);
    await p.getByLabel('Password').fill(A.password);
    await p.getByRole('button', { name: 'Sign up' }).click();
    await p.getByRole('heading', { name: 'You are not in any space yet' }).waitFor();
    await p.getByText(A.name).first().waitFor(); // the header names the user
    await checkA11y(p, 'my spaces (empty)');

    await p.getByRole('link', { name: 'Create a space' }).click();
    await p.waitForURL(/\/spaces\/new$/);
    await checkA11y(p, 'create space');
    await p.getByLabel('Name').fill(PLC);
    await p.getByLabel('Kind of space').selectOption({ label: 'Professional learning community' });
    await p.getByLabel('Description').fill('We plan units together and look at student work every other Tuesday.');
    await p.getByRole('radio', { name: /Private/ }).check();
    await p.getByRole('button', { name: 'Create space' }).click();
    await p.getByRole('heading', { name: PLC, level: 1 }).waitFor();
    plcUrl = new URL(p.url()).pathname;
    expect(plcUrl).toMatch(/^\/spaces\/[\w-]+$/);
    await waitForRole(p, A.name, 'Facilitator');
    await checkA11y(p, 'space home (facilitator)');

    // The page survives a reload and the space shows up under My spaces with the role.
    await p.reload();
    await p.getByRole('heading', { name: PLC, level: 1 }).waitFor();

    // A facilitator edits the details in place.
    await p.getByRole('button', { name: 'Edit details' }).click();
    const details = p.getByRole('form', { name: 'Edit space details' });
    await details.getByLabel('Description').fill('Unit planning and looking at student work, every other Tuesday.');
    await details.getByRole('button', { name: 'Save details' }).click();
    await p.getByText('Unit planning and looking at student work, every other Tuesday.').waitFor();
    await p.getByRole('link', { name: 'My spaces' }).click();
    await p.getByRole('link', { name: PLC }).waitFor();
    await checkA11y(p, 'my spaces');
  });

  it('A makes an invite link; B opens it signed out, signs up through it and lands in the space', async () => {
    await a.page.goto(plcUrl);
    await a.page.getByLabel('Joins as').selectOption('member');
    await a.page.getByLabel('Maximum uses').fill('0');
    await a.page.getByRole('button', { name: 'Create invite link' }).click();
    await a.page.getByText('Enter a whole number from 1 to 1000').waitFor();
    await a.page.getByLabel('Maximum uses').fill('10');
    await a.page.getByLabel('Expires after').selectOption({ label: '30 days' });
    await a.page.getByRole('button', { name: 'Create invite link' }).click();
    await a.page.getByRole('list', { name: 'Invite links' }).getByText('Used 0 of 10 times').waitFor();
    const link = await a.page.getByLabel('New invite link').inputValue();
    expect(link).toMatch(new RegExp(`^${server.url}/invite/[\\w-]{8,}$`));
    await a.page.getByRole('button', { name: 'Copy', exact: true }).click();
    await a.page.getByRole('status').filter({ hasText: /cop/i }).first().waitFor();
    await checkA11y(a.page, 'space home with invite links');

    const p = b.page;
    await p.goto(link);
    await p.getByRole('heading', { name: `Join ${PLC}` }).waitFor();
    await checkA11y(p, 'invite landing (signed out)');
    await expectNoSideways(p);
    await p.getByRole('link', { name: 'Sign up to join' }).click();
    await p.waitForURL(/\/signup\?next=/);
    await p.getByLabel('Your name').fill(B.name);
    await p.getByLabel('Email').fill(B.email);
    await p.getByLabel('Password').fill(B.password);
    await p.getByRole('button', { name: 'Sign up' }).click();
    await p.waitForURL((u) => u.pathname === plcUrl);
    await p.getByRole('heading', { name: PLC, level: 1 }).waitFor();
    await waitForRole(p, B.name, 'Member');
    await waitForRole(p, A.name, 'Facilitator');
    await checkA11y(p, 'space home (member, 375px)');
    await expectNoSideways(p);

    await a.page.reload();
    await waitForRole(a.page, B.name, 'Member');
  });

  it('A changes B to guest; B sees it after a reload', async () => {
    const row = memberRow(a.page, B.name);
    await row.getByLabel(`Role for ${B.name}`).selectOption('guest');
    await row.getByRole('button', { name: 'Change role' }).click();
    await row.getByRole('status').filter({ hasText: `${B.name} is now guest` }).waitFor();
    await waitForRole(a.page, B.name, 'Guest');

    await b.page.reload();
    await waitForRole(b.page, B.name, 'Guest');
    await b.page.getByText('Your role:').locator('.badge', { hasText: 'Guest' }).waitFor();
    // Members and guests get no management controls.
    expect(await b.page.getByRole('button', { name: 'Create invite link' }).count()).toBe(0);
    expect(await memberRow(b.page, A.name).getByRole('button').count()).toBe(0);
  });

  it('the last facilitator cannot leave and is told why', async () => {
    const p = a.page;
    await p.getByRole('button', { name: 'Leave space' }).click();
    await p.getByRole('button', { name: 'Yes, leave' }).click();
    await p.getByRole('alert').filter({ hasText: /last facilitator/ }).waitFor();
    expect(new URL(p.url()).pathname).toBe(plcUrl);
  });

  it('B finds a listed lab in the directory and asks to join; A approves', async () => {
    // A creates a listed lab.
    const pa = a.page;
    await pa.goto('/spaces/new');
    await pa.getByLabel('Name').fill(LAB);
    await pa.getByLabel('Kind of space').selectOption('lab');
    await pa.getByRole('radio', { name: /Listed in the directory/ }).check();
    await pa.getByRole('button', { name: 'Create space' }).click();
    await pa.getByRole('heading', { name: LAB, level: 1 }).waitFor();
    const labUrl = new URL(pa.url()).pathname;

    const p = b.page;
    await p.getByRole('link', { name: 'Directory', exact: true }).click();
    await p.getByRole('heading', { name: 'Directory', level: 1 }).waitFor();
    await p.getByLabel('Search by name').fill('science');
    await p.getByLabel('Kind').selectOption('lab');
    await p.getByRole('button', { name: 'Search' }).click();
    await p.waitForURL(/\/directory\?q=science&kind=lab$/);
    const results = p.getByRole('list', { name: 'Listed spaces' });
    await results.getByRole('heading', { name: LAB }).waitFor();
    await checkA11y(p, 'directory');

    await results.getByRole('button', { name: `Ask to join ${LAB}` }).click();
    await p.getByLabel('Message to the facilitators').fill('I teach 8th grade science in Lakeview and would love to join.');
    await p.getByRole('button', { name: 'Send request' }).click();
    await results.getByText('Request pending').waitFor();
    await checkA11y(p, 'directory (request sent)');
    await expectNoSideways(p);
    await p.reload(); // the search and the pending state survive a reload
    await p.getByRole('list', { name: 'Listed spaces' }).getByText('Request pending').waitFor();

    await pa.goto(labUrl);
    const requests = pa.getByRole('list', { name: 'Pending requests' });
    await requests.getByText('I teach 8th grade science').waitFor();
    await checkA11y(pa, 'space home with a join request');
    await requests.getByRole('button', { name: `Approve ${B.name}` }).click();
    await pa.getByText(`${B.name} joined the space.`).waitFor();
    await waitForRole(pa, B.name, 'Member');

    await p.goto(labUrl);
    await p.getByRole('heading', { name: LAB, level: 1 }).waitFor();
    await waitForRole(p, B.name, 'Member');
  });

  it('revoked and expired invite links show a clear page', async () => {
    const pa = a.page;
    await pa.goto(plcUrl);
    await pa.getByRole('button', { name: 'Create invite link' }).click();
    const revokedLink = await pa.getByLabel('New invite link').inputValue();
    const code = revokedLink.split('/invite/')[1]!;
    await pa.getByRole('list', { name: 'Invite links' }).getByRole('button', { name: new RegExp(`Revoke .* ${code}$`) }).click();
    await pa.getByRole('button', { name: 'Yes, revoke' }).click();
    await pa.getByRole('list', { name: 'Invite links' }).getByRole('listitem').filter({ hasText: code }).getByText('Revoked').waitFor();

    // An invite that expires within a second, made through the same API the page uses.
    const expiredCode = await pa.evaluate(async (spaceId) => {
      const res = await fetch(`/api/spaces/${spaceId}/invites`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'member', expiresInHours: 0.0002 }),
      });
      return ((await res.json()) as { invite: { code: string } }).invite.code;
    }, plcUrl.split('/').pop()!);
    await new Promise((r) => setTimeout(r, 1200));

    const stranger = await newUser(browser, server.url);
    try {
      const p = stranger.page;
      await p.goto(revokedLink);
      await p.getByRole('heading', { name: 'This invite link was revoked' }).waitFor();
      await p.getByText(PLC).waitFor();
      await checkA11y(p, 'invite landing (revoked)');
      await p.goto(`/invite/${expiredCode}`);
      await p.getByRole('heading', { name: 'This invite link has expired' }).waitFor();
      await checkA11y(p, 'invite landing (expired)');
      await p.goto('/invite/doesnotexist123');
      await p.getByRole('heading', { name: 'Invite link not found' }).waitFor();
    } finally {
      await stranger.context.close();
    }
  });

  it('a signed-in teacher joins from a link with one button; a member is told they are already in', async () => {
    const team = 'Lincoln Middle Leadership Team';
    const link = await a.page.evaluate(async (name) => {
      const post = async (url: string, body: unknown) =>
        (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
      const { space } = await post('/api/spaces', { name, kind: 'school-team' });
      const { invite } = await post(`/api/spaces/${space.id}/invites`, { role: 'guest' });
      return `/invite/${invite.code}`;
    }, team);

    const p = b.page;
    await p.goto(link);
    await p.getByText(`Signed in as ${B.name}`).waitFor();
    await checkA11y(p, 'invite landing (signed in)');
    await p.getByRole('button', { name: `Join ${team}` }).click();
    await p.getByRole('heading', { name: team, level: 1 }).waitFor();
    await waitForRole(p, B.name, 'Guest');

    await a.page.goto(link);
    await a.page.getByRole('heading', { name: `You are already in ${team}` }).waitFor();
    await a.page.getByRole('link', { name: `Open ${team}` }).click();
    await a.page.getByRole('heading', { name: team, level: 1 }).waitFor();
  });

  it('unknown pages and spaces the viewer may not see say so plainly', async () => {
    const p = b.page;
    await p.goto('/no/such/page');
    await p.getByRole('heading', { name: 'Not found', level: 1 }).waitFor();
    await checkA11y(p, 'not found');
    await p.goto('/spaces/doesnotexist');
    await p.getByText('This space does not exist, or you do not have access to it.').waitFor();
    await checkA11y(p, 'space not found');
  });

  it('B logs out, and logging in from a deep link returns to it', async () => {
    const p = b.page;
    await p.goto(plcUrl);
    await p.getByRole('button', { name: 'Log out' }).click();
    await p.waitForURL(/\/login$/);
    await p.goto(plcUrl);
    await p.waitForURL(/\/login\?next=/);
    await p.getByRole('heading', { name: 'Log in' }).waitFor();
    await checkA11y(p, 'login');
    // Keyboard only: on a fresh load the skip link comes first, then the form works with Tab and Enter.
    await p.reload();
    await p.getByRole('heading', { name: 'Log in' }).waitFor();
    await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('Skip to main content');
    await p.getByLabel('Email').focus();
    await p.keyboard.type(B.email);
    await p.keyboard.press('Tab');
    await p.keyboard.type('wrong password here');
    await p.keyboard.press('Enter');
    await p.getByRole('alert').waitFor();
    await p.getByLabel('Password').fill(B.password);
    await p.getByLabel('Password').press('Enter');
    await p.waitForURL((u) => u.pathname === plcUrl);
    await p.getByRole('heading', { name: PLC, level: 1 }).waitFor();
  });
});
