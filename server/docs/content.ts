/**
 * Document content in Yjs: template JSON -> the Y.XmlFragment 'default' exactly as y-prosemirror /
 * @tiptap/y-tiptap build it (element nodeName = node type, non-null attrs as XML attributes, adjacent text
 * nodes as one Y.XmlText whose formatting attributes are the marks, each holding the mark's attrs), the
 * budget's `lines` / `meta`, and replacing a document's content with another's (restore).
 */
import * as Y from 'yjs';
import { BUDGET_FIELDS, toAmount, toBudgetLine, type BudgetLine } from '../../shared/budget';
import type { BudgetLineSeed, RichElement, RichMark, RichNode, RichText, Template } from '../../shared/templates';

export const FRAGMENT = 'default';

/** Attributes Tiptap gives marks by default; y-prosemirror stores the full attrs object of each mark. */
const MARK_DEFAULTS: Record<string, Record<string, unknown>> = {
  link: { target: '_blank', rel: 'noopener noreferrer nofollow', class: null, title: null },
};

function markAttributes(marks: RichMark[] | undefined): Record<string, unknown> | undefined {
  if (!marks?.length) return undefined;
  const out: Record<string, unknown> = {};
  for (const m of marks) out[m.type] = { ...(MARK_DEFAULTS[m.type] ?? {}), ...(m.attrs ?? {}) };
  return out;
}

function textType(nodes: RichText[]): Y.XmlText {
  const yt = new Y.XmlText();
  const delta = nodes.map((n) => {
    const attributes = markAttributes(n.marks);
    return attributes ? { insert: n.text, attributes } : { insert: n.text };
  });
  yt.applyDelta(delta);
  return yt;
}

function elementType(node: RichElement): Y.XmlElement {
  const el = new Y.XmlElement(node.type);
  for (const [k, v] of Object.entries(node.attrs ?? {})) if (v !== null && v !== undefined) el.setAttribute(k, v as string);
  el.insert(0, toYNodes(node.content ?? []));
  return el;
}

/** Groups adjacent text nodes into one Y.XmlText (y-prosemirror's normalizePNodeContent); drops empty text. */
export function toYNodes(nodes: RichNode[]): (Y.XmlElement | Y.XmlText)[] {
  const out: (Y.XmlElement | Y.XmlText)[] = [];
  let run: RichText[] = [];
  const flush = () => {
    if (run.length) out.push(textType(run));
    run = [];
  };
  for (const n of nodes) {
    if (n.type === 'text') {
      if (n.text) run.push(n);
    } else {
      flush();
      out.push(elementType(n));
    }
  }
  flush();
  return out;
}

/** Fills a budget's Y structures. */
export function writeBudget(doc: Y.Doc, lines: BudgetLineSeed[], allocation: number): void {
  const ylines = doc.getArray<Y.Map<unknown>>('lines');
  ylines.insert(0, lines.map(newLineMap));
  doc.getMap('meta').set('allocation', allocation);
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
    writeBudget(doc, tpl.budget?.lines ?? [], tpl.budget?.allocation ?? 0);
    return;
  }
  doc.getXmlFragment(FRAGMENT).insert(0, toYNodes(tpl.body ?? []));
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
