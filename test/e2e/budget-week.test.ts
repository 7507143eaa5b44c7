/**
 * Budgets and documents without friction (issue 17), in Chromium with one browser context per person:
 * - a quantity of -5 is refused next to the cell (nothing stored, "Remaining" does not grow); money shows
 *   as money, in the budget's currency (USD by default, with grouping);
 * - a guest sees the budget as text, not as white boxes, and the page says who edits it and whom to ask;
 * - the document page's "Updated …" time follows the stored edits (the server's clock is moved forward,
 *   so the new time differs from the first in minutes).
 * axe-core runs on each page. Needs a built client: `npx vite build`.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { checkA11y, hasChromium, launchBrowser, logIn, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { signupUser, startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e budget week');

type Account = Awaited<ReturnType<typeof signupUser>>;

describe.skipIf(!hasChromium)('budgets and documents', () => {
  let server: TestServer;
  let browser: Browser;
  let alma: Account, gwen: Account;
  let a: UserBrowser, g: UserBrowser;
  let spaceId = '';
  let clock = Date.now();

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error(`${CLIENT_DIST} is missing: run \`npx vite build\` first`);
    server = await startServer({ now: () => clock });
    [alma, gwen] = (await Promise.all(['Alma Reyes', 'Gwen Guest'].map((n) => signupUser(server.url, n)))) as [Account, Account];
    spaceId = (await alma.client.post('/api/spaces', { name: 'Grade 6 Math PLC', kind: 'plc' })).body.space.id;
    const inv = await alma.client.post(`/api/spaces/${spaceId}/invites`, { role: 'guest' });
    expect((await gwen.client.post(`/api/invites/${inv.body.invite.code}/accept`)).status).toBe(200);
    browser = await launchBrowser();
    [a, g] = await Promise.all([newUser(browser, server.url), newUser(browser, server.url)]);
    for (const u of [a, g]) u.page.setDefaultTimeout(10_000);
    await Promise.all([logIn(a, alma.user.email, alma.password), logIn(g, gwen.user.email, gwen.password)]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a negative quantity is refused next to the cell; money shows as money; a guest reads text, told whom to ask', async () => {
    const doc = (await alma.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Math night budget', template: 'budget' })).body.doc;
    const p = a.page;
    await p.goto(`/docs/${doc.id}`);
    await p.getByLabel('Allocation').fill('1500');
    await p.getByLabel('Description, line 1').fill('Snacks');
    await p.getByLabel('Quantity, line 1').fill('40');
    await p.getByLabel('Unit cost, line 1').fill('2.5');
    const total = p.getByTestId('budget-total');
    await expect.poll(() => total.textContent()).toBe('$100.00');
    const remaining = p.getByRole('definition').filter({ hasText: '$1,400.00' });
    await remaining.waitFor();

    // -5: refused in place, with the rule; totals and the stored line are unchanged.
    const qty = p.getByLabel('Quantity, line 1');
    await qty.fill('-5');
    await p.getByText('Enter a number of 0 or more (for example 12 or 4.50).').waitFor();
    expect(await qty.getAttribute('aria-invalid')).toBe('true');
    expect(await total.textContent()).toBe('$100.00');
    await remaining.waitFor();
    await checkA11y(p, 'budget with a refused quantity');
    // A refused value would have been saved by now; the accepted 40 may still be on its way: poll for it.
    await p.waitForTimeout(1500);
    await expect.poll(async () => (await p.request.get(`/api/docs/${doc.id}/export?format=csv`)).text()).toContain('Snacks,40,2.50,100.00');
    await qty.fill('30');
    await expect.poll(() => qty.getAttribute('aria-invalid')).toBeNull();
    await expect.poll(() => total.textContent()).toBe('$75.00');

    // The currency is the budget's: EUR shows euros for everyone.
    await p.getByLabel('Currency').selectOption('EUR');
    await expect.poll(() => total.textContent()).toBe('€75.00');

    // The guest: text cells, no boxes; who edits and whom to ask.
    await g.page.goto(`/docs/${doc.id}`);
    const grid = g.page.getByRole('table');
    await grid.getByRole('cell', { name: 'Snacks' }).waitFor();
    expect(await grid.getByRole('textbox').count()).toBe(0);
    await g.page.getByText('Facilitators and members of this space edit this budget. To get editing rights, ask a facilitator of the space to make you a member.').waitFor();
    await expect.poll(() => g.page.getByTestId('budget-total').textContent()).toBe('€75.00');
    await checkA11y(g.page, 'budget, guest');
  });

  it('the "Updated" time follows the stored edits', async () => {
    const doc = (await alma.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Unit 3 plan', template: 'blank' })).body.doc;
    const p = a.page;
    await p.goto(`/docs/${doc.id}`);
    const updated = p.getByTestId('doc-updated');
    const first = await updated.textContent();
    clock += 3 * 60 * 60_000; // three hours later on the server's clock
    await p.getByRole('textbox', { name: 'Document body' }).click();
    await p.keyboard.type('Ratios first, then rates.');
    await p.getByText('All changes saved').waitFor();
    await expect.poll(() => updated.textContent(), { timeout: 15_000 }).not.toBe(first);
  });
});
