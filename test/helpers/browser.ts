/**
 * Browser helpers for end-to-end tests: Debian's chromium driven by playwright-core (no browser download),
 * one browser CONTEXT per simulated user (separate cookies and storage), and an axe-core check.
 *
 *   const browser = await launchBrowser();            // null-safe: guard with `hasChromium`
 *   const alice = await newUser(browser, server.url); // { context, page }
 *   await alice.page.goto(server.url + '/signup');
 *   await logIn(alice, email, password);              // fast: API login in the context's cookie jar
 *   await checkA11y(alice.page, 'signup');            // throws listing serious/critical violations
 *   await browser.close();
 *
 * Use `describe.skipIf(!hasChromium)` and call `warnIfNoChromium()` so a machine without chromium skips
 * the suite with a printed reason instead of failing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** True when the chromium binary exists on this machine. */
export const hasChromium = existsSync(CHROMIUM_PATH);

/** Prints why browser tests are skipped; call next to `describe.skipIf(!hasChromium)`. */
export function warnIfNoChromium(suite: string): void {
  if (!hasChromium) console.warn(`[${suite}] skipped: no chromium at ${CHROMIUM_PATH} (install it with apt-get install chromium, or set CHROMIUM_PATH)`);
}

/** Launches headless chromium with the flags known to work on the build machines. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface UserBrowser {
  context: BrowserContext;
  page: Page;
}

/**
 * A fresh context (own cookie jar) and page for one simulated user, with `baseURL` set so
 * `page.goto('/path')` works. Browser console errors and page crashes are printed to help debugging.
 */
export async function newUser(browser: Browser, baseURL: string, opts: { width?: number; height?: number } = {}): Promise<UserBrowser> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[browser pageerror] ${err.message}`));
  page.on('console', (msg) => {
    // Failed fetches (401 at boot, 404 on purpose) are answers the app handles; other errors are printed.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) console.error(`[browser console] ${msg.text()}`);
  });
  return { context, page };
}

/**
 * Logs a user's context in through the API (no UI), so its pages are signed in from the next navigation.
 * Use it for setup; test the login form itself through the page.
 */
export async function logIn(user: UserBrowser, email: string, password: string): Promise<void> {
  const res = await user.context.request.post('/api/auth/login', { data: { email, password } });
  if (res.status() !== 200) throw new Error(`login failed for ${email}: ${res.status()} ${await res.text()}`);
}

let axeSource: string | null = null;
function axeScript(): string {
  if (!axeSource) {
    const require = createRequire(import.meta.url);
    axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  }
  return axeSource;
}

export interface A11yViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core on the page as it is now and throws when any violation has impact serious or critical,
 * naming each rule id, its help text and the offending selectors. Returns all violations (any impact).
 */
export async function checkA11y(page: Page, label: string): Promise<A11yViolation[]> {
  // Injected through CDP evaluation rather than a <script> tag so the app's strict CSP stays on.
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!loaded) await page.evaluate(axeScript());
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: any[] }> } }).axe;
    const res = await axe.run(document, { resultTypes: ['violations'] });
    return res.violations.map((v) => ({
      id: v.id as string,
      impact: (v.impact ?? null) as string | null,
      help: v.help as string,
      targets: (v.nodes as { target: unknown[] }[]).map((n) => n.target.map(String).join(' ')),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length > 0) {
    const lines = bad.map((v) => `  - ${v.id} (${v.impact}): ${v.help}\n      ${v.targets.join('\n      ')}`);
    throw new Error(`axe: ${bad.length} serious/critical violation(s) on "${label}" (${page.url()}):\n${lines.join('\n')}`);
  }
  return violations;
}
