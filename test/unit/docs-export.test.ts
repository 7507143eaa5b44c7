/**
 * Export of every template, compared two ways: against reviewed files (test/unit/__snapshots__/export/, HTML
 * inside <body>; any change in output shows up as a diff to review), and structurally against the template's own JSON
 * (every heading, list item, checklist item, table row and cell and emphasised prompt survives in both
 * Markdown and HTML), so the export stays as rich as the editor's content.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { TEMPLATES, sessionNotesBody, type RichElement, type RichNode } from '../../shared/templates';
import { applyTemplate, FRAGMENT, toYNodes } from '../../server/docs/content';
import { budgetCsv, budgetToHtml, budgetToMarkdown, docToHtml, docToMarkdown } from '../../server/docs/export';

const SNAPSHOTS = './__snapshots__/export';

function docFrom(nodes: RichNode[]): Y.Doc {
  const doc = new Y.Doc();
  doc.getXmlFragment(FRAGMENT).insert(0, toYNodes(nodes));
  return doc;
}

/** Counts of what the body holds, read from the template's JSON. */
function census(nodes: RichNode[]) {
  const n = { listItem: 0, taskItem: 0, checked: 0, tableRow: 0, tableHeader: 0, tableCell: 0, italic: 0 };
  const headings: RichElement[] = [];
  const walk = (ns: RichNode[]) => {
    for (const node of ns) {
      if (node.type === 'text') {
        if (node.text && node.marks?.some((m) => m.type === 'italic')) n.italic++;
        continue;
      }
      if (node.type === 'heading') headings.push(node);
      if (node.type === 'taskItem' && node.attrs?.checked) n.checked++;
      if (node.type in n) n[node.type as keyof typeof n]++;
      walk(node.content ?? []);
    }
  };
  walk(nodes);
  return { ...n, headings };
}

/** What an HTML export holds inside <body>: the rest of the page (head, style) is the same for every document. */
const pageBody = (page: string) => page.slice(page.indexOf('<body>\n') + 7, page.lastIndexOf('</body>'));
const count = (s: string, re: RegExp) => s.match(re)?.length ?? 0;
const headingText = (h: RichElement) => (h.content ?? []).map((t) => (t.type === 'text' ? t.text : '')).join('');

const RICH = [
  ...TEMPLATES.filter((t) => t.kind === 'rich').map((t) => ({ id: t.id, body: t.body ?? [] })),
  { id: 'session-notes', body: sessionNotesBody([{ title: 'Warm-up', minutes: 5, prompt: 'One win this week', speakingLabel: 'Round' }], ['Start on time']) },
];

describe('every rich template exports everything it holds', () => {
  it.each(RICH.filter((t) => t.id !== 'session-notes'))('$id: Markdown and HTML match the reviewed files', async ({ id, body }) => {
    const doc = docFrom(body);
    const html = docToHtml(doc, 'My title');
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>My title<\/title>/);
    await expect(docToMarkdown(doc, 'My title')).toMatchFileSnapshot(`${SNAPSHOTS}/${id}.md`);
    await expect(pageBody(html)).toMatchFileSnapshot(`${SNAPSHOTS}/${id}.html`);
  });

  it.each(RICH)('$id: headings, lists, checklists, tables and prompts all survive', ({ body }) => {
    const doc = docFrom(body);
    const md = docToMarkdown(doc, 'T');
    const html = docToHtml(doc, 'T');
    const c = census(body);
    for (const h of c.headings) {
      const level = Number(h.attrs?.level);
      expect(md).toContain(`\n${'#'.repeat(level)} ${headingText(h)}\n`);
      expect(html).toContain(`<h${level}>${headingText(h)}</h${level}>`);
    }
    expect(count(md, /^\s*- \[[ x]\] /gm)).toBe(c.taskItem);
    expect(count(md, /^\s*- \[x\] /gm)).toBe(c.checked);
    expect(count(md, /^\s*(- (?!\[[ x]\] )|\d+\. )/gm)).toBe(c.listItem);
    expect(count(md, /^\| .* \|$/gm)).toBe(c.tableRow ? c.tableRow + 1 : 0);
    expect(count(md, /(^|[^*])\*[^*\s][^*]*\*/gm)).toBe(c.italic);
    expect(count(html, /<li[ >]/g)).toBe(c.listItem + c.taskItem);
    expect(count(html, /<input type="checkbox" disabled/g)).toBe(c.taskItem);
    expect(count(html, /<tr>/g)).toBe(c.tableRow);
    expect(count(html, /<th>/g)).toBe(c.tableHeader);
    expect(count(html, /<td>/g)).toBe(c.tableCell);
    expect(count(html, /<em>/g)).toBe(c.italic);
  });

  it('the budget exports CSV, Markdown and HTML that match the reviewed files', async () => {
    const doc = new Y.Doc();
    applyTemplate(doc, TEMPLATES.find((t) => t.kind === 'budget')!);
    await expect(budgetCsv(doc)).toMatchFileSnapshot(`${SNAPSHOTS}/budget.csv`);
    await expect(budgetToMarkdown(doc, 'My title')).toMatchFileSnapshot(`${SNAPSHOTS}/budget.md`);
    await expect(pageBody(budgetToHtml(doc, 'My title'))).toMatchFileSnapshot(`${SNAPSHOTS}/budget.html`);
  });

  it('a template written by applyTemplate exports the same as its JSON written by toYNodes', () => {
    for (const tpl of TEMPLATES.filter((t) => t.kind === 'rich')) {
      const applied = new Y.Doc();
      applyTemplate(applied, tpl);
      expect(docToMarkdown(applied, 'T'), tpl.id).toBe(docToMarkdown(docFrom(tpl.body ?? []), 'T'));
    }
  });
});

type Marked = 'bold' | 'italic' | 'code' | 'strike' | { type: 'link'; attrs: { href: string } };
const text = (t: string, ...marks: Marked[]): RichNode => ({ type: 'text', text: t, marks: marks.map((m) => (typeof m === 'string' ? { type: m } : m)) });
const para = (...content: RichNode[]): RichElement => ({ type: 'paragraph', content });
const exportsOf = (nodes: RichNode[]) => ({ md: docToMarkdown(docFrom(nodes), 'T'), html: docToHtml(docFrom(nodes), 'T') });
const expectAll = (out: string, parts: string[]) => {
  for (const part of parts) expect(out).toContain(part);
};

describe('export details', () => {
  it('links: only the safe-link rule passes; refused ones keep their text', () => {
    const hrefs = ['https://example.org/a b(c)', 'mailto:ada@school.test', 'javascript:alert(1)', 'java\tscript:alert(1)', 'data:text/html,x', '/relative'];
    const { md, html } = exportsOf([para(...hrefs.map((href, i) => text(`L${i}`, { type: 'link', attrs: { href } })))]);
    expectAll(md, ['[L0](https://example.org/a%20b%28c%29)', '[L1](mailto:ada@school.test)']);
    expectAll(html, ['<a href="https://example.org/a b(c)" rel="noopener noreferrer nofollow">L0</a>', '<a href="mailto:ada@school.test" rel="noopener noreferrer nofollow">L1</a>']);
    for (const i of [2, 3, 4, 5]) {
      expect(md).toContain(`L${i}`);
      expect(html).toContain(`L${i}`);
    }
    expect(count(html, /<a /g)).toBe(2);
    expect(count(md, /\]\(/g)).toBe(2);
    expect(html).not.toMatch(/javascript|data:|relative/);
  });

  it('marks, code, breaks and nesting render in both formats', () => {
    const { md, html } = exportsOf([
      para(text('a', 'bold'), text(' b ', 'strike'), text('c', 'code'), { type: 'hardBreak' } as unknown as RichNode, text('d')),
      { type: 'codeBlock', attrs: { language: 'js"><x' }, content: [text('x = "```" < 1')] },
      {
        type: 'orderedList',
        attrs: { start: 9 },
        content: [{ type: 'listItem', content: [para(text('nine')), { type: 'bulletList', content: [{ type: 'listItem', content: [para(text('inner'))] }] }] }, { type: 'listItem', content: [para(text('ten'))] }],
      },
      { type: 'blockquote', content: [para(text('q1')), para(text('<q2> | #3'))] },
      { type: 'horizontalRule' },
    ] as RichNode[]);
    expectAll(md, ['**a** ~~b~~ `c`\\\nd', '````jsx\nx = "```" < 1\n````', ' 9. nine\n    - inner\n10. ten', '> q1\n>\n> \\<q2\\> \\| #3', '\n---\n']);
    expectAll(html, [
      '<p><strong>a</strong><s> b </s><code>c</code><br>d</p>',
      '<pre><code class="language-js&quot;&gt;&lt;x">x = &quot;```&quot; &lt; 1</code></pre>',
      '<ol start="9">\n<li><p>nine</p>\n<ul>\n<li><p>inner</p>\n</li>\n</ul>\n</li>\n<li><p>ten</p>\n</li>\n</ol>',
      '<blockquote>\n<p>q1</p>\n<p>&lt;q2&gt; | #3</p>\n</blockquote>',
      '<hr>',
    ]);
  });
});
