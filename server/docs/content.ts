/**
 * Document content in Yjs: template JSON -> the Y.XmlFragment 'default' through y-prosemirror under the
 * editor's schema (shared/editor.ts), so the server writes exactly what the editor would; the budget's
 * `lines` / `meta`; replacing a document's content with another's (restore); and the meeting notes' edits.
 */
import * as Y from 'yjs';
import { prosemirrorJSONToYXmlFragment } from 'y-prosemirror';
import { BUDGET_FIELDS, toAmount, toBudgetLine, type BudgetLine } from '../../shared/budget';
import { editorSchema } from '../../shared/editor';
import type { BudgetLineSeed, RichElement, RichNode, Template } from '../../shared/templates';

export const FRAGMENT = 'default';

/** Templates use '' as a placeholder (an empty list item); ProseMirror allows no empty text node. */
function withoutEmptyText(nodes: RichNode[]): RichNode[] {
  return nodes.filter((n) => n.type !== 'text' || n.text).map((n) => (n.type !== 'text' && n.content ? { ...n, content: withoutEmptyText(n.content) } : n));
}

/** Writes rich nodes into an empty fragment as y-prosemirror does (marks become formatting attributes). */
function writeNodes(frag: Y.XmlFragment, nodes: RichNode[]): void {
  prosemirrorJSONToYXmlFragment(editorSchema(), { type: 'doc', content: withoutEmptyText(nodes) }, frag);
}

/** Rich nodes as new Yjs types, ready to insert anywhere in a document (list items too). */
export function toYNodes(nodes: RichNode[]): (Y.XmlElement | Y.XmlText)[] {
  const scratch = new Y.Doc();
  const frag = scratch.getXmlFragment(FRAGMENT);
  writeNodes(frag, nodes);
  const out = frag.toArray().map((c) => (c as Y.XmlElement | Y.XmlText).clone());
  scratch.destroy();
  return out;
}

/** Fills a budget's Y structures. */
export function writeBudget(doc: Y.Doc, lines: BudgetLineSeed[], allocation: number, attribution?: string): void {
  const ylines = doc.getArray<Y.Map<unknown>>('lines');
  ylines.insert(0, lines.map(newLineMap));
  doc.getMap('meta').set('allocation', allocation);
  if (attribution) doc.getMap('meta').set('attribution', attribution);
}

/** A Y.Map for one line item with every field present. */
export function newLineMap(line: Partial<BudgetLine>): Y.Map<unknown> {
  const m = new Y.Map<unknown>();
  for (const f of BUDGET_FIELDS) {
    const v = line[f];
    m.set(f, f === 'quantity' || f === 'unitCost' ? toAmount(v) : typeof v === 'string' ? v : '');
  }
  return m;
}

/** Writes a template's initial content into an (empty) document. */
export function applyTemplate(doc: Y.Doc, tpl: Template): void {
  if (tpl.kind === 'budget') {
    writeBudget(doc, tpl.budget?.lines ?? [], tpl.budget?.allocation ?? 0, tpl.budget?.attribution);
    return;
  }
  writeNodes(doc.getXmlFragment(FRAGMENT), tpl.body ?? []);
}

/** Reads a budget's lines and allocation from a document. */
export function readBudget(doc: Y.Doc): { lines: BudgetLine[]; allocation: number } {
  const lines = doc
    .getArray<unknown>('lines')
    .toArray()
    .map((m) => toBudgetLine(m instanceof Y.Map ? (m.toJSON() as Record<string, unknown>) : {}));
  return { lines, allocation: toAmount(doc.getMap('meta').get('allocation')) };
}

/** A document rebuilt from a stored state (a version). */
export function docFromState(state: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

/**
 * Replaces `target`'s content with `source`'s, as ordinary new operations (deletes + inserts), so the
 * change is a normal edit on top of the history: clients merge it like any other update.
 */
export function replaceContent(target: Y.Doc, source: Y.Doc, kind: Template['kind']): void {
  if (kind === 'budget') {
    const lines = target.getArray('lines');
    lines.delete(0, lines.length);
    lines.insert(0, readBudget(source).lines.map(newLineMap));
    target.getMap('meta').set('allocation', readBudget(source).allocation);
    return;
  }
  const frag = target.getXmlFragment(FRAGMENT);
  frag.delete(0, frag.length);
  const children = source
    .getXmlFragment(FRAGMENT)
    .toArray()
    .filter((c): c is Y.XmlElement | Y.XmlText => c instanceof Y.XmlElement || c instanceof Y.XmlText)
    .map((c) => c.clone());
  frag.insert(0, children);
}

/** The plain text of a rich node (marks dropped). */
function plainText(node: Y.XmlElement | Y.XmlText): string {
  if (node instanceof Y.XmlText) return (node.toDelta() as { insert?: unknown }[]).map((d) => (typeof d.insert === 'string' ? d.insert : '')).join('');
  return node
    .toArray()
    .filter((c): c is Y.XmlElement | Y.XmlText => c instanceof Y.XmlElement || c instanceof Y.XmlText)
    .map(plainText)
    .join('');
}

const isHeading = (b: unknown): b is Y.XmlElement => b instanceof Y.XmlElement && b.nodeName === 'heading';

/** The top-level blocks under the heading `heading` (up to the next heading) and the index after them, or null. */
function sectionOf(doc: Y.Doc, heading: string) {
  const blocks = doc.getXmlFragment(FRAGMENT).toArray();
  const at = blocks.findIndex((b) => isHeading(b) && plainText(b).trim() === heading);
  if (at < 0) return null;
  const next = blocks.findIndex((b, i) => i > at && isHeading(b));
  const end = next < 0 ? blocks.length : next;
  return { body: blocks.slice(at + 1, end), end };
}

/**
 * Adds one item to the list under the top-level heading `heading` of a rich document (the meeting notes'
 * "Decisions" or "Action items"): into the first list of `listType` in that section, replacing the single
 * empty item a fresh template holds; a section without such a list gets one; a document without the heading
 * gets the heading and the list at its end. Ordinary Yjs edits, so open editors merge them like any other.
 */
export function appendToSection(doc: Y.Doc, heading: string, listType: 'bulletList' | 'taskList', text: string): void {
  const frag = doc.getXmlFragment(FRAGMENT);
  const itemType = listType === 'taskList' ? 'taskItem' : 'listItem';
  const item: RichElement = {
    type: itemType,
    ...(itemType === 'taskItem' ? { attrs: { checked: false } } : {}),
    content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
  };
  const section = sectionOf(doc, heading);
  if (!section) {
    frag.push(toYNodes([{ type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: heading }] }, { type: listType, content: [item] }]));
    return;
  }
  const list = section.body.find((b): b is Y.XmlElement => b instanceof Y.XmlElement && b.nodeName === listType);
  if (list) {
    const items = list.toArray();
    const only = items[0];
    if (items.length === 1 && only instanceof Y.XmlElement && plainText(only).trim() === '') {
      list.delete(0, 1);
      list.insert(0, toYNodes([item]));
    } else {
      list.push(toYNodes([item]));
    }
    return;
  }
  frag.insert(section.end, toYNodes([{ type: listType, content: [item] }]));
}

/**
 * Ticks (or unticks) the checklist item of the section under `heading` whose text is `text`, or `text`
 * followed by " (" (the owner and due date the notes add). Returns whether one was found; nothing else
 * changes, and a line someone rewrote by hand is left alone.
 */
export function setTaskDone(doc: Y.Doc, heading: string, text: string, done: boolean): boolean {
  const section = sectionOf(doc, heading);
  if (!section) return false;
  for (const list of section.body) {
    if (!(list instanceof Y.XmlElement) || list.nodeName !== 'taskList') continue;
    for (const item of list.toArray()) {
      if (!(item instanceof Y.XmlElement) || item.nodeName !== 'taskItem') continue;
      const line = plainText(item).trim();
      if (line === text || line.startsWith(`${text} (`)) {
        item.setAttribute('checked', done as unknown as string);
        return true;
      }
    }
  }
  return false;
}
