/** appendToSection: how a session's decisions and action items land in its meeting notes. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { appendToSection, FRAGMENT, setTaskDone, toYNodes } from '../../server/docs/content';
import { docToMarkdown } from '../../server/docs/export';
import type { RichNode } from '../../shared/templates';

const h2 = (text: string): RichNode => ({ type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text }] });
const para = (text: string): RichNode => ({ type: 'paragraph', content: text ? [{ type: 'text', text }] : [] });
const bullets = (...items: string[]): RichNode => ({ type: 'bulletList', content: items.map((t) => ({ type: 'listItem', content: [para(t)] })) });

function docOf(...nodes: RichNode[]): Y.Doc {
  const doc = new Y.Doc();
  doc.getXmlFragment(FRAGMENT).insert(0, toYNodes(nodes));
  return doc;
}
const md = (doc: Y.Doc) => docToMarkdown(doc, 'T').replace(/^# T\n\n/, '');

describe('appendToSection', () => {
  it('fills the empty item of a fresh section, then adds after it', () => {
    const doc = docOf(h2('Decisions'), bullets(''), h2('Next'));
    appendToSection(doc, 'Decisions', 'bulletList', 'First');
    appendToSection(doc, 'Decisions', 'bulletList', 'Second');
    expect(md(doc)).toBe('## Decisions\n\n- First\n- Second\n\n## Next\n');
  });

  it('adds a checklist item for action items', () => {
    const doc = docOf(h2('Action items'));
    appendToSection(doc, 'Action items', 'taskList', 'Call parents (Ana, due 2026-12-01)');
    expect(md(doc)).toContain('## Action items\n\n- [ ] Call parents (Ana, due 2026-12-01)');
  });

  it('a section without a list gets one before the next heading; text in the section stays', () => {
    const doc = docOf(h2('Decisions'), para('We talked a lot.'), h2('Action items'));
    appendToSection(doc, 'Decisions', 'bulletList', 'Keep the norms');
    expect(md(doc)).toBe('## Decisions\n\nWe talked a lot.\n\n- Keep the norms\n\n## Action items\n');
  });

  it('a document without the heading gets it at the end, and text that only looks like markup stays text', () => {
    const doc = docOf(h2('Notes'), para('hello'));
    appendToSection(doc, 'Decisions', 'bulletList', '<script>alert(1)</script> **not bold**');
    const out = md(doc);
    expect(out.indexOf('## Decisions')).toBeGreaterThan(out.indexOf('hello'));
    expect(out).toContain('- \\<script\\>alert(1)\\</script\\> \\*\\*not bold\\*\\*');
  });

  it('setTaskDone ticks the action item line found by its text (with or without owner and date), nothing else', () => {
    const doc = docOf(h2('Action items'));
    appendToSection(doc, 'Action items', 'taskList', 'Call parents (Ana, due 2026-12-01)');
    appendToSection(doc, 'Action items', 'taskList', 'Call parents back');
    appendToSection(doc, 'Action items', 'taskList', 'Print tickets');
    expect(setTaskDone(doc, 'Action items', 'Call parents', true)).toBe(true);
    expect(setTaskDone(doc, 'Action items', 'Print tickets', true)).toBe(true);
    expect(md(doc)).toContain('- [x] Call parents (Ana, due 2026-12-01)\n- [ ] Call parents back\n- [x] Print tickets');
    expect(setTaskDone(doc, 'Action items', 'Print tickets', false)).toBe(true);
    expect(md(doc)).toContain('- [ ] Print tickets');
    expect(setTaskDone(doc, 'Action items', 'Not there', true)).toBe(false);
    expect(setTaskDone(doc, 'Decisions', 'Print tickets', true)).toBe(false);
  });
});
