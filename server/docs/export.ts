/**
 * Export: a document's Y.XmlFragment becomes a ProseMirror document through y-prosemirror under the
 * editor's schema, then Markdown (prosemirror-markdown, export-markdown.ts) or an HTML page (ProseMirror's
 * DOMSerializer, export-html.ts); a budget becomes CSV or tables. Links that fail the safe-link rule
 * (shared/links.ts) lose their link and keep their text; HTML escapes every text and attribute.
 */
import type { Node as PMNode } from '@tiptap/pm/model';
import { Transform } from '@tiptap/pm/transform';
import { yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror';
import * as Y from 'yjs';
import { budgetToCsv, computeTotals, formatAmount } from '../../shared/budget';
import { editorSchema } from '../../shared/editor';
import { escapeHtml } from '../../shared/html';
import { isSafeHref } from '../../shared/links';
import { FRAGMENT, readBudget } from './content';
import { bodyToHtml } from './export-html';
import { bodyToMarkdown } from './export-markdown';

/**
 * The document body as ProseMirror sees it, without unsafe links and without empty top-level paragraphs.
 * y-prosemirror deletes from the Y.Doc any node the schema refuses (as every editor would): pass a copy
 * (exportDoc renders a snapshot).
 */
function bodyOf(doc: Y.Doc): PMNode {
  const root = yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment(FRAGMENT), editorSchema());
  const tr = new Transform(root);
  root.descendants((node, pos) => {
    for (const mark of node.marks) if (mark.type.name === 'link' && !isSafeHref(mark.attrs.href)) tr.removeMark(pos, pos + node.nodeSize, mark);
  });
  const blocks: PMNode[] = [];
  tr.doc.forEach((block) => {
    if (!(block.type.name === 'paragraph' && block.content.size === 0)) blocks.push(block);
  });
  return root.type.create(null, blocks);
}

/** Escapes Markdown's inline syntax in a line of plain text (titles, budget cells). */
const mdEscape = (s: string) => s.replace(/([\\`*_[\]<>#|~])/g, '\\$1');

/** The rich-text document as Markdown, under its title. */
export function docToMarkdown(doc: Y.Doc, title: string): string {
  return `# ${mdEscape(title)}\n\n${bodyToMarkdown(bodyOf(doc))}\n`;
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5}table{border-collapse:collapse}th,td{border:1px solid #999;padding:.25rem .5rem;vertical-align:top}.task-list{list-style:none;padding-left:1rem}.task-item{display:flex;gap:.5rem;align-items:baseline}.task-item>div>p:first-child{margin-top:0}';

function htmlPage(title: string, body: string): string {
  const t = escapeHtml(title);
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${t}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n<h1>${t}</h1>\n${body}</body>\n</html>\n`;
}

/** The rich-text document as a standalone HTML page. */
export function docToHtml(doc: Y.Doc, title: string): string {
  return htmlPage(title, bodyToHtml(bodyOf(doc)));
}

// ---------- Budgets ----------

/** A budget as CSV (shared/budget.ts). */
export function budgetCsv(doc: Y.Doc): string {
  const { lines, allocation } = readBudget(doc);
  return budgetToCsv(lines, allocation);
}

function budgetRows(doc: Y.Doc) {
  const { lines, allocation } = readBudget(doc);
  const t = computeTotals(lines, allocation);
  const header = ['Category', 'Description', 'Quantity', 'Unit cost', 'Line total', 'Funding source', 'Notes'];
  const rows = lines.map((l, i) => [l.category, l.description, String(l.quantity), formatAmount(l.unitCost), formatAmount(t.lineTotals[i]!), l.fundingSource, l.notes]);
  const summary = [
    ...t.byCategory.map((c) => [`Total: ${c.category}`, formatAmount(c.total)]),
    ['Total', formatAmount(t.total)],
    ['Allocation', formatAmount(t.allocation)],
    [t.overBudget ? 'Over budget' : 'Remaining', formatAmount(Math.abs(t.remaining))],
  ];
  return { header, rows, summary };
}

/** A remixed budget's "Remixed from … by …" line (kept in its meta), if any. */
function attributionOf(doc: Y.Doc): string {
  const a = doc.getMap('meta').get('attribution');
  return typeof a === 'string' ? a : '';
}

/** A budget as Markdown tables. */
export function budgetToMarkdown(doc: Y.Doc, title: string): string {
  const { header, rows, summary } = budgetRows(doc);
  const cell = (s: string) => mdEscape(s).replace(/\n/g, ' ');
  const line = (r: string[]) => `| ${r.map(cell).join(' | ')} |`;
  const lines = [line(header), line(header.map(() => '---')), ...rows.map(line)];
  const sum = [line(['', 'Amount']), line(['---', '---']), ...summary.map(line)];
  const by = attributionOf(doc);
  return `# ${mdEscape(title)}\n\n${by ? `_${mdEscape(by)}_\n\n` : ''}## Line items\n\n${lines.join('\n')}\n\n## Totals\n\n${sum.join('\n')}\n`;
}

/** A budget as an HTML page with two tables. */
export function budgetToHtml(doc: Y.Doc, title: string): string {
  const { header, rows, summary } = budgetRows(doc);
  const tr = (r: string[], tag = 'td') => `<tr>${r.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>\n`;
  const by = attributionOf(doc);
  const body =
    (by ? `<p><em>${escapeHtml(by)}</em></p>\n` : '') +
    `<h2>Line items</h2>\n<table>\n${tr(header, 'th')}${rows.map((r) => tr(r)).join('')}</table>\n` +
    `<h2>Totals</h2>\n<table>\n${summary.map((r) => `<tr><th scope="row">${escapeHtml(r[0]!)}</th><td>${escapeHtml(r[1]!)}</td></tr>\n`).join('')}</table>\n`;
  return htmlPage(title, body);
}
