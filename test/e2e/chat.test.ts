/**
 * Discussion in a real browser, two users in two browser CONTEXTS: they chat, one replies in a thread
 * and mentions the other, who sees the badge and the notification; one goes offline, sends, comes back:
 * nothing lost or doubled. The XSS table runs here, through the real rendering path (marked + DOMPurify
 * in Chromium; jsdom is not installed), and axe-core checks the chat page.
 * Needs a built client: `npx vite build` (npm run test:e2e does it).
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/static';
import { newSortableId } from '../../server/ids';
import { checkA11y, hasChromium, launchBrowser, logIn, newUser, warnIfNoChromium, type UserBrowser } from '../helpers/browser';
import { call, cid, closeSockets, connectSocket, data, sleep } from '../helpers/chat';
import { signupUser, startServer, type TestServer } from '../helpers/server';

warnIfNoChromium('e2e chat');

type Account = Awaited<ReturnType<typeof signupUser>>;

const log = (p: Page) => p.getByRole('log');
const msg = (p: Page, text: string) => log(p).locator('article.msg', { hasText: text });
const bell = (p: Page) => p.locator('header button.bell');

/** Script-bearing messages, dangerous links and raw HTML: each must render inert. */
const XSS_TABLE = [
  '<script>window.__xss = "script"</script>',
  '<img src=x onerror="window.__xss = \'img\'">',
  '<svg onload="window.__xss = \'svg\'"><circle r=5></svg>',
  '<iframe src="javascript:window.__xss=\'iframe\'"></iframe>',
  '[click me](javascript:window.__xss="link")',
  '[tabbed](java\tscript:alert(1))',
  '[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '<a href="javascript:alert(1)">raw anchor</a>',
  '![img](javascript:alert(1))',
  '<details open ontoggle="window.__xss=\'details\'">x</details>',
  '<style>body{display:none}</style>',
  '<form action="https://evil.example"><button>submit</button></form>',
  '**bold** and [a safe link](https://example.org/unit?x=1) and <b onmouseover="alert(1)">b</b>',
  '`<script>inside code</script>`',
];

describe.skipIf(!hasChromium)('discussion in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let alma: Account, ben: Account;
  let a: UserBrowser, b: UserBrowser;
  let spaceId = '';
  let general = '';
  let math = '';

  beforeAll(async () => {
    if (!existsSync(`${CLIENT_DIST}/index.html`)) throw new Error('dist/client is missing: run `npx vite build` first');
    server = await startServer();
    [alma, ben] = (await Promise.all(['Alma Reyes', 'Ben Okafor'].map((n) => signupUser(server.url, n)))) as [Account, Account];
    spaceId = (await alma.client.post('/api/spaces', { name: 'Grade 7 PLC', kind: 'plc' })).body.space.id;
    const inv = await alma.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' });
    expect((await ben.client.post(`/api/invites/${inv.body.invite.code}/accept`)).status).toBe(200);
    general = (await alma.client.get(`/api/spaces/${spaceId}/channels`)).body.channels[0].id;
    math = (await alma.client.post(`/api/spaces/${spaceId}/channels`, { name: 'grade-7-math' })).body.channel.id;
    browser = await launchBrowser();
    [a, b] = await Promise.all([newUser(browser, server.url), newUser(browser, server.url)]);
    for (const u of [a, b]) u.page.setDefaultTimeout(15_000);
    await Promise.all([logIn(a, alma.user.email, alma.password), logIn(b, ben.user.email, ben.password)]);
  });

  afterAll(async () => {
    closeSockets();
    await browser?.close();
    await server?.close();
  });

  it('two teachers chat in real time; the page passes axe', async () => {
    await a.page.goto(`/spaces/${spaceId}/chat`);
    await b.page.goto(`/spaces/${spaceId}/chat/${general}`);
    await a.page.getByRole('heading', { name: '#general', exact: true }).waitFor();
    await b.page.getByRole('region', { name: /Online now/ }).getByText('Alma Reyes').waitFor();
    await a.page.getByRole('region', { name: /Online now/ }).getByText('Ben Okafor').waitFor();

    const composer = a.page.getByRole('textbox', { name: 'Message #general' });
    await composer.fill('Good morning team! **Agenda** below:');
    await composer.press('Shift+Enter');
    await composer.pressSequentially('- fractions unit');
    await composer.press('Enter');
    await expect.poll(() => composer.inputValue()).toBe('');
    await msg(b.page, 'Good morning team!').waitFor();
    expect(await msg(b.page, 'Good morning team!').locator('strong', { hasText: 'Agenda' }).count()).toBe(1);
    expect(await msg(b.page, 'Good morning team!').locator('li', { hasText: 'fractions unit' }).count()).toBe(1);
    // Announced to screen readers on Ben's side.
    await expect.poll(() => b.page.locator('[aria-live="polite"]').last().textContent()).toContain('Alma Reyes: Good morning team!');

    // "X is typing…" reaches the other side.
    await b.page.getByRole('textbox', { name: 'Message #general' }).pressSequentially('Hel');
    await a.page.getByText('Ben Okafor is typing…').waitFor();
    await b.page.getByRole('textbox', { name: 'Message #general' }).fill('');

    await b.page.getByRole('textbox', { name: 'Message #general' }).fill('Morning Alma!');
    await b.page.getByRole('textbox', { name: 'Message #general' }).press('Enter');
    await msg(a.page, 'Morning Alma!').waitFor();
    await a.page.getByText('Today').first().waitFor();
    await checkA11y(a.page, 'chat page');
  });

  it('a thread reply and a mention reach the other teacher as badge and notification, even in another channel', async () => {
    await b.page.goto(`/spaces/${spaceId}/chat/${math}`);
    await b.page.getByRole('heading', { name: '#grade-7-math', exact: true }).waitFor();

    const composer = a.page.getByRole('textbox', { name: 'Message #general' });
    // The mention picker: "@Be" offers Ben, Enter picks him, the rest is typed after.
    await composer.pressSequentially('@Be');
    await a.page.getByRole('option', { name: '@Ben Okafor' }).waitFor();
    await composer.press('Enter');
    await composer.pressSequentially('could you review the assessment?');
    await composer.press('Enter');
    await msg(a.page, 'could you review the assessment').waitFor();

    // Ben, in another channel: a mention badge on general and a bell with one unread.
    await b.page.getByRole('navigation', { name: 'Channels' }).locator('.pill.mention', { hasText: '@1' }).waitFor();
    await expect.poll(() => bell(b.page).getAttribute('aria-label')).toBe('Notifications, 1 unread');
    await bell(b.page).click();
    const panel = b.page.getByRole('region', { name: 'Notifications' });
    await panel.getByText('mentioned you').waitFor();
    await checkA11y(b.page, 'chat page with notifications open');
    await panel.getByRole('link', { name: /mentioned you/ }).click();
    await b.page.waitForURL(new RegExp(`/chat/${general}`));
    await msg(b.page, 'could you review the assessment').waitFor();
    await expect.poll(() => bell(b.page).getAttribute('aria-label')).toBe('Notifications');

    // Ben replies in the thread; Alma sees the reply count and a reply notification.
    await msg(b.page, 'could you review the assessment').getByRole('button', { name: 'Reply' }).click();
    const reply = b.page.getByRole('textbox', { name: 'Reply in thread' });
    await reply.fill('Yes, after lunch.');
    await reply.press('Enter');
    await b.page.getByRole('region', { name: 'Thread' }).getByText('Yes, after lunch.').waitFor();
    await msg(a.page, 'could you review the assessment').getByRole('button', { name: '1 reply' }).waitFor();
    await expect.poll(() => bell(a.page).getAttribute('aria-label')).toBe('Notifications, 1 unread');
    await msg(a.page, 'could you review the assessment').getByRole('button', { name: '1 reply' }).click();
    await a.page.getByRole('region', { name: 'Thread' }).getByText('Yes, after lunch.').waitFor();
    await checkA11y(a.page, 'chat page with a thread open');
    await a.page.getByRole('button', { name: 'Close thread' }).click();
    await b.page.getByRole('button', { name: 'Close thread' }).click();

    // Search finds the message by its words.
    await a.page.getByRole('searchbox', { name: /Search messages/ }).fill('review assessment');
    await a.page.getByRole('searchbox', { name: /Search messages/ }).press('Enter');
    await a.page.getByRole('region', { name: 'Search' }).getByRole('link', { name: /#general · Alma Reyes/ }).waitFor();
  });

  it('offline and back: what Ben sent while offline goes out once, what he missed arrives, nothing doubles', async () => {
    await b.context.setOffline(true);
    await b.page.getByText('You are offline').waitFor();
    const composer = b.page.getByRole('textbox', { name: 'Message #general' });
    await composer.fill('Typed on the bus');
    await composer.press('Enter');
    await b.page.locator('article.pending', { hasText: 'Typed on the bus' }).waitFor();
    await a.page.getByRole('textbox', { name: 'Message #general' }).fill('Sent while Ben was away');
    await a.page.getByRole('textbox', { name: 'Message #general' }).press('Enter');
    await msg(a.page, 'Sent while Ben was away').waitFor();
    await sleep(500);
    expect(await msg(a.page, 'Typed on the bus').count()).toBe(0);

    await b.context.setOffline(false);
    await msg(b.page, 'Sent while Ben was away').waitFor();
    await msg(b.page, 'Typed on the bus').waitFor();
    await msg(a.page, 'Typed on the bus').waitFor();
    await expect.poll(() => b.page.locator('article.pending').count()).toBe(0);
    await sleep(500);
    for (const p of [a.page, b.page]) {
      expect(await msg(p, 'Typed on the bus').count()).toBe(1);
      expect(await msg(p, 'Sent while Ben was away').count()).toBe(1);
    }
    expect(await server.store.collection('messages').count({ text: 'Typed on the bus' })).toBe(1);
  });

  it('a long history (1,500 messages) scrolls back to the first message with a bounded DOM', async () => {
    const channelId = (await alma.client.post(`/api/spaces/${spaceId}/channels`, { name: 'long-history' })).body.channel.id;
    const start = Date.now() - 1500 * 60_000;
    const docs = Array.from({ length: 1500 }, (_, i) => ({
      _id: newSortableId(),
      spaceId, channelId, seq: i + 1, authorId: ben.user.id, authorName: ben.user.name,
      text: `history ${String(i).padStart(4, '0')}`, words: ['history'], mentions: [], parentId: null,
      clientMsgId: `seed-${i}-${Date.now()}`, createdAt: new Date(start + i * 60_000), editedAt: null, deletedAt: null, deletedBy: null,
      replyCount: 0, lastReplyAt: null, reactions: {},
    }));
    await server.store.collection('messages').insertMany(docs as never[]);
    const p = a.page;
    await p.goto(`/spaces/${spaceId}/chat/${channelId}`);
    await msg(p, 'history 1499').waitFor();
    let most = 0;
    for (let i = 0; i < 120; i++) {
      if ((await msg(p, 'history 0000').count()) > 0) break;
      await log(p).evaluate((el) => (el.scrollTop = 0));
      await sleep(120);
      most = Math.max(most, await p.locator('article.msg').count());
    }
    await msg(p, 'history 0000').waitFor();
    await p.getByText('This is the start of the conversation.').waitFor();
    expect(most).toBeLessThanOrEqual(300);
    expect(await p.locator('article.msg').count()).toBeLessThanOrEqual(300);
    // Several day separators on the way back.
    expect(await p.locator('.message-list li.day').count()).toBeGreaterThan(0);
    await p.getByRole('button', { name: 'Jump to the newest' }).click();
    await msg(p, 'history 1499').waitFor();
  });

  it('XSS table: script-bearing messages, javascript: links and raw HTML render inert', async () => {
    await a.page.goto(`/spaces/${spaceId}/chat/${general}`);
    await msg(a.page, 'Typed on the bus').waitFor();
    // Sent from Node with the stock client, as any third-party client could; spread over two senders
    // and paced so the send rate limit is not what stops them.
    const senders = [await connectSocket(server.url, alma.client.cookie), await connectSocket(server.url, ben.client.cookie)];
    for (const [i, text] of XSS_TABLE.entries()) {
      const s = senders[i % 2]!;
      data(await call(s, 'message:send', { channelId: general, text, clientMsgId: cid() }));
      if (i % 2 === 1) await sleep(700);
    }
    data(await call(senders[0]!, 'message:send', { channelId: general, text: 'END OF XSS TABLE', clientMsgId: cid() }));
    for (const p of [a.page, b.page]) {
      await msg(p, 'END OF XSS TABLE').waitFor();
      const report = await p.evaluate(() => {
        const root = document.querySelector('.message-list')!;
        const bodies = [...root.querySelectorAll('.body')];
        const all = bodies.flatMap((b) => [...b.querySelectorAll('*')]);
        return {
          xss: (window as unknown as { __xss?: string }).__xss ?? null,
          tags: [...new Set(all.map((e) => e.tagName.toLowerCase()))],
          handlers: all.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName}[${a.name}]`)),
          hrefs: [...root.querySelectorAll('.body a[href]')].map((a) => ({ href: a.getAttribute('href'), rel: a.getAttribute('rel'), target: a.getAttribute('target') })),
          anchorsWithoutHref: [...root.querySelectorAll('.body a:not([href])')].length,
          texts: bodies.map((b) => b.textContent ?? ''),
        };
      });
      expect(report.xss).toBeNull();
      expect(report.handlers).toEqual([]);
      const allowed = ['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'ul', 'ol', 'li', 'blockquote', 'a', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td'];
      expect(report.tags.filter((t) => !allowed.includes(t))).toEqual([]);
      for (const h of report.hrefs) {
        expect(h.href).toMatch(/^(https?:|mailto:)/i);
        expect(h.rel).toBe('noopener noreferrer');
        expect(h.target).toBe('_blank');
      }
      expect(report.hrefs.map((h) => h.href)).toContain('https://example.org/unit?x=1');
      // Raw HTML is shown as text, not interpreted.
      expect(report.texts.some((t) => t.includes('<script>window.__xss = "script"</script>'))).toBe(true);
      expect(report.texts.some((t) => t.includes('<img src=x onerror='))).toBe(true);
      await checkA11y(p, 'chat page after the XSS table');
    }
  });
  it('sending too fast shows the rate limit on the message, and Retry sends it once', async () => {
    const p = a.page;
    const composer = p.getByRole('textbox', { name: 'Message #general' });
    for (let i = 0; i < 14; i++) {
      await composer.fill(`flood ${i}`);
      await composer.press('Enter');
    }
    const failed = p.locator('article.pending[data-status="failed"]').first();
    await failed.waitFor();
    expect(await failed.textContent()).toMatch(/too quickly/);
    const text = (await failed.locator('.body').textContent())!;
    await sleep(2_500);
    await failed.getByRole('button', { name: 'Retry' }).click();
    await msg(p, text).waitFor();
    await expect.poll(() => p.locator('article.pending', { hasText: new RegExp(`^.*${text}$`) }).count()).toBe(0);
    expect(await server.store.collection('messages').count({ text })).toBe(1);
  });

  it('an archived channel leaves the channel list but stays findable under Archived channels, and can be unarchived', async () => {
    const p = a.page;
    await alma.client.post(`/api/spaces/${spaceId}/channels`, { name: 'budget-2027' });
    await p.goto(`/spaces/${spaceId}/chat/${general}`);
    const channels = p.getByRole('navigation', { name: 'Channels' });
    await channels.getByRole('link', { name: /# budget-2027/ }).click();
    const composer = p.getByRole('textbox', { name: 'Message #budget-2027' });
    await composer.fill('Final numbers are in the budget doc');
    await composer.press('Enter');
    // The test before spent this user's send allowance on purpose: when this send is refused as too quick,
    // Retry (as a teacher would) once the second has passed.
    const sent = msg(p, 'Final numbers are in the budget doc').getByRole('button', { name: 'React' });
    await expect
      .poll(async () => {
        if (await sent.count()) return true;
        const retry = p.getByRole('button', { name: 'Retry' });
        if (await retry.count()) await retry.first().click();
        return false;
      }, { timeout: 15_000, interval: 1_100 })
      .toBe(true);
    await p.getByRole('button', { name: 'Archive channel' }).click();
    await p.getByText('This channel is archived.').waitFor();
    // Read-only: no reacting to, or editing, what is there.
    await expect.poll(() => msg(p, 'Final numbers are in the budget doc').getByRole('button', { name: 'React' }).count()).toBe(0);
    expect(await msg(p, 'Final numbers are in the budget doc').getByRole('button', { name: 'Edit' }).count()).toBe(0);
    await channels.getByRole('link', { name: /# general/ }).click();
    await expect.poll(() => channels.getByRole('link', { name: /budget-2027/ }).isVisible()).toBe(false);
    await channels.getByText('Archived channels (1)').click();
    await channels.getByRole('list', { name: 'Archived channels' }).getByRole('link', { name: /# budget-2027/ }).click();
    await p.getByText('This channel is archived.').waitFor();
    await p.getByRole('button', { name: 'Unarchive channel' }).click();
    await p.getByRole('textbox', { name: 'Message #budget-2027' }).waitFor();
    await channels.getByRole('link', { name: /# general/ }).click();
    await channels.getByRole('link', { name: /# budget-2027/ }).waitFor();
    expect(await channels.getByText(/Archived channels/).count()).toBe(0);
  });

  it('a facilitator removes a member\'s message; it is gone for both and listed in the moderation log', async () => {
    const text = 'Off-topic: my car is for sale';
    const sent = data(await call(await connectSocket(server.url, ben.client.cookie), 'message:send', { channelId: general, text, clientMsgId: cid() })).message;
    await Promise.all([a.page.goto(`/spaces/${spaceId}/chat/${general}`), b.page.goto(`/spaces/${spaceId}/chat/${general}`)]);
    await msg(a.page, text).waitFor();
    await msg(a.page, text).getByRole('button', { name: 'Delete' }).click();
    // An in-page question (not a native dialog); Cancel keeps the message.
    await msg(a.page, text).getByRole('group', { name: 'Delete this message by Ben Okafor? This cannot be undone.' }).getByRole('button', { name: 'Cancel' }).click();
    await msg(a.page, text).getByRole('button', { name: 'Delete' }).click();
    await msg(a.page, text).getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => msg(b.page, text).count()).toBe(0);
    expect((await server.store.collection<{ _id: string; deletedBy: string | null }>('messages').findOne({ _id: sent.id }))?.deletedBy).toBe(alma.user.id);

    await a.page.goto(`/spaces/${spaceId}`);
    const logList = a.page.getByRole('list', { name: 'Removed messages' });
    const entry = logList.getByRole('listitem').filter({ hasText: 'Alma Reyes removed a message by Ben Okafor in #general' });
    await entry.waitFor();
    expect(await entry.locator('blockquote').textContent()).toBe(text);
    await checkA11y(a.page, 'space home with the moderation log, facilitator');
    // Members do not see the log.
    await b.page.goto(`/spaces/${spaceId}`);
    await b.page.getByRole('heading', { name: /^Members/ }).waitFor();
    expect(await b.page.getByRole('heading', { name: 'Moderation log' }).count()).toBe(0);
  });

  it('a mention whose message is then deleted leaves the open bell at once, excerpt and count', async () => {
    await a.page.goto(`/spaces/${spaceId}`);
    await a.page.getByRole('heading', { name: /^Members/ }).waitFor();
    await expect.poll(() => bell(a.page).getAttribute('aria-label')).toBe('Notifications');
    const bens = await connectSocket(server.url, ben.client.cookie);
    const sent = data(await call(bens, 'message:send', { channelId: general, text: '@Alma Reyes sorry, meant someone else', clientMsgId: cid() })).message;
    await expect.poll(() => bell(a.page).getAttribute('aria-label')).toBe('Notifications, 1 unread');
    await bell(a.page).click();
    const panel = a.page.getByRole('region', { name: 'Notifications' });
    await panel.getByText('meant someone else').waitFor();
    data(await call(bens, 'message:delete', { messageId: sent.id }));
    await expect.poll(() => bell(a.page).getAttribute('aria-label')).toBe('Notifications');
    await expect.poll(() => panel.getByText('meant someone else').count()).toBe(0);
  });

  it('on a phone the conversation and the composer fit the screen; channels, people and search fold above them', async () => {
    const phone = await newUser(browser, server.url, { width: 390, height: 844 });
    try {
      await logIn(phone, ben.user.email, ben.password);
      const p = phone.page;
      await p.goto(`/spaces/${spaceId}/chat/${general}`);
      const composer = p.getByRole('textbox', { name: 'Message #general' });
      await composer.waitFor();
      const box = (await composer.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(844);
      expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      const fold = p.getByText(/^Channels, people and search/);
      expect(await p.getByRole('navigation', { name: 'Channels' }).isVisible()).toBe(false);
      await fold.click();
      await checkA11y(p, 'discussion on a phone, channels unfolded');
      await p.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: /# grade-7-math/ }).click();
      await p.getByRole('textbox', { name: 'Message #grade-7-math' }).waitFor();
      // Picking a channel folds the list away again.
      await expect.poll(() => p.getByRole('navigation', { name: 'Channels' }).isVisible()).toBe(false);
    } finally {
      await phone.context.close();
    }
  });
});
