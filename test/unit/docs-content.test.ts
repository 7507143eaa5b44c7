/**
 * Template content and export, without a server: the fragment we build must be exactly what
 * y-prosemirror builds from the same ProseMirror JSON, and every template must export with its headings.
 */
import { getSchema } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import { TableKit } from '@tiptap/extension-table';
import { prosemirrorJSONToYXmlFragment, yXmlFragmentToProsemirrorJSON } from 'y-prosemirror';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { TEMPLATES, type RichElement, type RichNode, type RichText } from '../../shared/templates';
import { applyTemplate, FRAGMENT, replaceContent, toYNodes } from '../../server/docs/content';
import { docToHtml, docToMarkdown, budgetToMarkdown, budgetCsv } from '../../server/docs/export';

const schema = getSchema([StarterKit.configure({ undoRedo: false }), TaskList, TaskItem.configure({ nested: true }), TableKit]);

function docFrom(nodes: RichNode[]): Y.Doc {
  const doc = new Y.Doc();
  doc.getXmlFragment(FRAGMENT).insert(0, toYNodes(nodes));
  return doc;
}

const sample: RichNode[] = [
  { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Plan' }] },
  {
    type: 'paragraph',
    content: [
      { type: 'text', text: 'Read ' },
      { type: 'text', text: 'this', marks: [{ type: 'bold' }, { type: 'italic' }] },
      { type: 'text', text: ' site', marks: [{ type: 'link', attrs: { href: 'https://example.org/a?b=1' } }] },
      { type: 'text', text: ' and ' },
      { type: 'text', text: 'x()', marks: [{ type: 'code' }] },
      { type: 'text', text: ' bad', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }] },
    ],
  },
  {
    type: 'taskList',
    content: [
      { type: 'taskItem', attrs: { checked: true }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Done thing' }] }] },
      { type: 'taskItem', attrs: { checked: false }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Open thing' }] }] },
    ],
  },
  {
    type: 'table',
    content: [
      { type: 'tableRow', content: [{ type: 'tableHeader', attrs: { colspan: 1, rowspan: 1 }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'H1' }] }] }] },
      { type: 'tableRow', content: [{ type: 'tableCell', attrs: { colspan: 1, rowspan: 1 }, content: [{ type: 'paragraph', content: [{ type: 'text', text: '<script>alert(1)</script>' }] }] }] },
    ],
  },
  { type: 'blockquote', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Quoted' }] }] },
  { type: 'codeBlock', content: [{ type: 'text', text: 'let a = 1 < 2;' }] },
  { type: 'orderedList', attrs: { start: 1 }, content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'First' }] }] }] },
];

describe('template content in Yjs', () => {
  it('every rich template parses under the Tiptap schema and matches what y-prosemirror builds', () => {
    for (const tpl of TEMPLATES.filter((t) => t.kind === 'rich')) {
      const ours = new Y.Doc();
      applyTemplate(ours, tpl);
      const json = yXmlFragmentToProsemirrorJSON(ours.getXmlFragment(FRAGMENT));
      const node = schema.nodeFromJSON(json);
      node.check(); // throws if the content violates the schema
      const theirs = new Y.Doc();
      prosemirrorJSONToYXmlFragment(schema, node.toJSON(), theirs.getXmlFragment(FRAGMENT));
      expect(yXmlFragmentToProsemirrorJSON(theirs.getXmlFragment(FRAGMENT)), tpl.id).toEqual(json);
      expect(theirs.getXmlFragment(FRAGMENT).toString(), tpl.id).toBe(ours.getXmlFragment(FRAGMENT).toString());
    }
  });

  it('marks are stored as formatting attributes carrying the mark attrs', () => {
    const doc = docFrom(sample);
    const p = doc.getXmlFragment(FRAGMENT).get(1) as Y.XmlElement;
    const delta = (p.get(0) as Y.XmlText).toDelta();
    expect(delta[1]).toEqual({ insert: 'this', attributes: { bold: {}, italic: {} } });
    expect(delta[2].attributes.link.href).toBe('https://example.org/a?b=1');
    const node = schema.nodeFromJSON(yXmlFragmentToProsemirrorJSON(doc.getXmlFragment(FRAGMENT)));
    node.check();
    const theirs = new Y.Doc();
    prosemirrorJSONToYXmlFragment(schema, node.toJSON(), theirs.getXmlFragment(FRAGMENT));
    expect(theirs.getXmlFragment(FRAGMENT).toString()).toBe(doc.getXmlFragment(FRAGMENT).toString());
  });

  it('budget template writes lines of Y.Map and meta.allocation', () => {
    const doc = new Y.Doc();
    applyTemplate(doc, TEMPLATES.find((t) => t.id === 'budget')!);
    const line = doc.getArray('lines').get(0) as Y.Map<unknown>;
    expect(line).toBeInstanceOf(Y.Map);
    expect(Object.keys(line.toJSON()).sort()).toEqual(['category', 'description', 'fundingSource', 'notes', 'quantity', 'unitCost']);
    expect(doc.getMap('meta').get('allocation')).toBe(0);
  });

  it('replaceContent restores another state as new operations', () => {
    const a = docFrom(sample);
    const b = docFrom([{ type: 'paragraph', content: [{ type: 'text', text: 'Other' }] }]);
    replaceContent(b, a, 'rich');
    expect(yXmlFragmentToProsemirrorJSON(b.getXmlFragment(FRAGMENT))).toEqual(yXmlFragmentToProsemirrorJSON(a.getXmlFragment(FRAGMENT)));
  });
});

describe('export', () => {
  it('every template exports Markdown and HTML containing its headings', () => {
    for (const tpl of TEMPLATES) {
      const doc = new Y.Doc();
      applyTemplate(doc, tpl);
      if (tpl.kind === 'budget') {
        expect(budgetToMarkdown(doc, 'B')).toContain('| Category |');
        expect(budgetCsv(doc)).toMatch(/^Category,/);
        continue;
      }
      const md = docToMarkdown(doc, 'My title');
      const html = docToHtml(doc, 'My title');
      expect(md.startsWith('# My title\n')).toBe(true);
      for (const h of (tpl.body ?? []).filter((n): n is RichElement => n.type === 'heading')) {
        const text = (h.content![0] as RichText).text;
        const level = Number(h.attrs!.level);
        expect(md, tpl.id).toContain(`${'#'.repeat(level)} ${text}`);
        expect(html, tpl.id).toContain(`<h${level}>${text}</h${level}>`);
      }
    }
  });

  it('Markdown renders marks, links, task lists, tables, quotes, code and ordered lists', () => {
    const md = docToMarkdown(docFrom(sample), 'T');
    expect(md).toContain('## Plan');
    expect(md).toContain('Read ***this***');
    expect(md).toContain('[ site](https://example.org/a?b=1)');
    expect(md).not.toContain('javascript:');
    expect(md).toContain('`x()`');
    expect(md).toContain('- [x] Done thing\n- [ ] Open thing');
    expect(md).toContain('| H1 |\n| --- |\n| \\<script\\>alert(1)\\</script\\> |');
    expect(md).toContain('> Quoted');
    expect(md).toContain('```\nlet a = 1 < 2;\n```');
    expect(md).toContain('1. First');
  });

  it('HTML escapes text, keeps only safe links, renders tables and checklists', () => {
    const html = docToHtml(docFrom(sample), 'A <b>title</b>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<title>A &lt;b&gt;title&lt;/b&gt;</title>');
    expect(html).toContain('<a href="https://example.org/a?b=1" rel="noopener noreferrer nofollow"> site</a>');
    expect(html).not.toContain('javascript:');
    // ProseMirror nests marks in schema order (Tiptap: bold before italic).
    expect(html).toContain('<strong><em>this</em></strong>');
    expect(html).toContain('<input type="checkbox" disabled checked aria-label="Done">');
    expect(html).toContain('<th>');
    expect(html).toContain('<pre><code>let a = 1 &lt; 2;</code></pre>');
  });
});
