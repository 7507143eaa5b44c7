/**
 * The safe-link rule exists once (shared/links.ts): the editor's link extension, chat rendering
 * (chat-render.test.ts holds its XSS table) and the export all use it.
 */
import { describe, expect, it } from 'vitest';
import { contentExtensions } from '../../shared/editor';
import { isSafeHref, SAFE_HREF_PATTERN, safeHref } from '../../shared/links';

const CASES: [string, boolean][] = [
  ['https://example.org/a?b=1', true],
  ['HTTP://school.test', true],
  ['mailto:ada@school.test', true],
  ['javascript:alert(1)', false],
  ['java\tscript:alert(1)', false],
  ['data:text/html,x', false],
  ['/relative', false],
  ['example.org', false],
];

describe('the safe-link rule', () => {
  it('safeHref returns the trimmed target or null', () => {
    expect(safeHref('  https://example.org/x  ')).toBe('https://example.org/x');
    expect(safeHref(' javascript:alert(1)')).toBeNull();
    expect(safeHref(42)).toBeNull();
    expect(safeHref(null)).toBeNull();
  });

  it('the pattern handed to DOMPurify accepts every href the rule accepts', () => {
    for (const [href, safe] of CASES) if (safe) expect(SAFE_HREF_PATTERN.test(href), href).toBe(true);
  });

  it("the editor's link extension asks the same rule", () => {
    const starter = contentExtensions().find((e) => e.name === 'starterKit')!;
    const link = (starter.options as { link: { isAllowedUri: (url: string) => boolean; protocols: string[] } }).link;
    for (const [href, safe] of CASES) expect(link.isAllowedUri(href), href).toBe(safe && isSafeHref(href));
    expect(link.protocols).toEqual(['http', 'https', 'mailto']);
  });
});
