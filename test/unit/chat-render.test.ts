/**
 * The XSS table on the Node-testable stage of message rendering (marked with our renderer overrides and
 * the safe-link rule of shared/links.ts). The DOMPurify stage needs a DOM and jsdom is not installed, so
 * the same table runs end to end through the real renderer in Chromium: test/e2e/chat.test.ts ("XSS table").
 */
import { describe, expect, it } from 'vitest';
import { markdownToHtml } from '../../client/src/chat/markdown';
import { escapeHtml } from '../../shared/html';
import { isSafeHref } from '../../shared/links';

describe('isSafeHref', () => {
  it.each([
    ['https://example.org/a?b=1', true],
    ['http://school.test', true],
    ['mailto:ada@school.test', true],
    ['javascript:alert(1)', false],
    ['JavaScript:alert(1)', false],
    ['java\tscript:alert(1)', false],
    ['\u0000javascript:alert(1)', false],
    [' javascript:alert(1)', false],
    ['data:text/html;base64,PHNjcmlwdD4=', false],
    ['vbscript:msgbox(1)', false],
    ['file:///etc/passwd', false],
    ['/relative/path', false],
    ['//evil.example/x', false],
    ['', false],
  ])('%j -> %s', (href, safe) => {
    expect(isSafeHref(href)).toBe(safe);
  });
});

const TABLE: [string, string, (html: string) => void][] = [
  ['script tag is text', '<script>alert(1)</script>', (h) => expect(h).not.toMatch(/<script/i)],
  ['img onerror is text', '<img src=x onerror=alert(1)>', (h) => expect(h).not.toMatch(/<img/i)],
  ['svg onload is text', '<svg onload=alert(1)>', (h) => expect(h).not.toMatch(/<svg/i)],
  ['iframe is text', '<iframe src="javascript:alert(1)"></iframe>', (h) => expect(h).not.toMatch(/<iframe/i)],
  ['inline html is text', 'hello <b onmouseover="alert(1)">x</b>', (h) => expect(h).not.toMatch(/<b\s/i)],
  ['javascript: link loses its link', '[x](javascript:alert(1))', (h) => expect(h).not.toMatch(/href/i)],
  ['obfuscated scheme loses its link', '[x](java&#09;script:alert(1))', (h) => expect(h).not.toMatch(/href="java/i)],
  ['data: link loses its link', '[x](data:text/html,hi)', (h) => expect(h).not.toMatch(/href/i)],
  ['image becomes a link or text', '![a](https://x.test/i.png)', (h) => expect(h).not.toMatch(/<img/i)],
  ['javascript: image is text', '![a](javascript:alert(1))', (h) => expect(h).not.toMatch(/href|<img/i)],
  ['autolinked javascript is not a link', '<javascript:alert(1)>', (h) => expect(h).not.toMatch(/href="javascript/i)],
  ['safe link stays', '[unit](https://example.org/u?a=1&b=2)', (h) => expect(h).toContain('href="https://example.org/u?a=1&amp;b=2"')],
  ['attribute breakout is escaped', '[x](https://a.test/"onmouseover="alert(1))', (h) => expect(h).not.toMatch(/"\s*onmouseover=/i)],
  ['headings are not headings', '# Big', (h) => expect(h).not.toMatch(/<h1/i)],
  ['formatting renders', '**b** _i_ `c`\n\n- one\n- two', (h) => expect(h).toMatch(/<strong>b<\/strong>.*<em>i<\/em>.*<code>c<\/code>[\s\S]*<li>one<\/li>/)],
];

describe('markdownToHtml: XSS table (marked stage)', () => {
  it.each(TABLE)('%s', (_label, input, check) => {
    check(markdownToHtml(input));
  });

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
