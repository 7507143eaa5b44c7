/**
 * A document as a list of text blocks (headings, paragraphs, list items, table rows, budget lines) and a
 * block-level diff between two such lists: what the history panel highlights when viewing a version.
 */
import * as Y from 'yjs';
import { toBudgetLine } from '../../../shared/budget';

export interface Block {
  kind: string;
  text: string;
}

export type DiffOp = { op: 'same' | 'added' | 'removed'; block: Block };

const LEAF = new Set(['heading', 'paragraph', 'codeBlock', 'horizontalRule']);

function textOf(n: Y.XmlElement | Y.XmlText): string {
  if (n instanceof Y.XmlText) return (n.toDelta() as { insert: unknown }[]).map((d) => (typeof d.insert === 'string' ? d.insert : '')).join('');
  return (n.toArray() as (Y.XmlElement | Y.XmlText)[]).map(textOf).join(n.nodeName === 'tableRow' ? ' | ' : '');
}

function walk(nodes: (Y.XmlElement | Y.XmlText)[], out: Block[], prefix = ''): void {
  for (const n of nodes) {
    if (n instanceof Y.XmlText) {
      out.push({ kind: 'paragraph', text: prefix + textOf(n) });
      continue;
    }
    const kids = n.toArray() as (Y.XmlElement | Y.XmlText)[];
    if (n.nodeName === 'heading') out.push({ kind: `h${n.getAttribute('level') ?? 2}`, text: textOf(n) });
    else if (LEAF.has(n.nodeName)) out.push({ kind: n.nodeName, text: prefix + textOf(n) });
    else if (n.nodeName === 'tableRow') out.push({ kind: 'tableRow', text: kids.map(textOf).join(' | ') });
    else if (n.nodeName === 'taskItem') {
      const checked = (n.getAttribute('checked') as unknown) === true || n.getAttribute('checked') === 'true';
      walk(kids, out, `${prefix}[${checked ? 'x' : ' '}] `);
    } else if (n.nodeName === 'listItem') walk(kids, out, `${prefix}• `);
    else walk(kids, out, prefix);
  }
}

/** The blocks of a rich-text document. */
export function richBlocks(doc: Y.Doc): Block[] {
  const out: Block[] = [];
  walk(doc.getXmlFragment('default').toArray() as (Y.XmlElement | Y.XmlText)[], out);
  return out.filter((b) => b.text.trim() !== '' || b.kind === 'horizontalRule');
}

/** The blocks of a budget: one per line item, plus the allocation. */
export function budgetBlocks(doc: Y.Doc): Block[] {
  const lines = doc
    .getArray<unknown>('lines')
    .toArray()
    .map((m) => toBudgetLine(m instanceof Y.Map ? (m.toJSON() as Record<string, unknown>) : {}));
  return [
    { kind: 'allocation', text: `Allocation: ${String(doc.getMap('meta').get('allocation') ?? 0)}` },
    ...lines.map((l) => ({ kind: 'line', text: [l.category, l.description, `${l.quantity} × ${l.unitCost}`, l.fundingSource, l.notes].filter(Boolean).join(' · ') })),
  ];
}

/** Longest-common-subsequence diff of `before` (the version) against `after` (the current document). */
export function diffBlocks(before: Block[], after: Block[]): DiffOp[] {
  const n = before.length;
  const m = after.length;
  const key = (b: Block) => `${b.kind}\u0000${b.text}`;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = key(before[i]!) === key(after[j]!) ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (key(before[i]!) === key(after[j]!)) {
      out.push({ op: 'same', block: before[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: 'removed', block: before[i++]! });
    else out.push({ op: 'added', block: after[j++]! });
  }
  while (i < n) out.push({ op: 'removed', block: before[i++]! });
  while (j < m) out.push({ op: 'added', block: after[j++]! });
  return out;
}
