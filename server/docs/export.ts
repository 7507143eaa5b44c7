/**
 * Export: walks a document's Y.XmlFragment (Tiptap node names) into Markdown or HTML, and a budget into
 * CSV / a table. HTML escapes every text and attribute and keeps only http(s)/mailto links.
 */
import * as Y from 'yjs';
import { budgetToCsv, computeTotals, formatAmount } from '../../shared/budget';
import { FRAGMENT, readBudget } from './content';

interface Run {
  text: string;
  marks: Record<string, Record<string, unknown>>;
}

function runsOf(t: Y.XmlText): Run[] {
  return (t.toDelta() as { insert: unknown; attributes?: Record<string, unknown> }[])
    .filter((d) => typeof d.insert === 'string')
    .map((d) => {
      const marks: Run['marks'] = {};
      // Overlapping marks are stored as `name--hash`; only the name matters here.
      for (const [k, v] of Object.entries(d.attributes ?? {})) marks[k.split('--')[0]!] = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
      return { text: d.insert as string, marks };
    });
}

const children = (n: Y.XmlElement | Y.XmlFragment) => n.toArray() as (Y.XmlElement | Y.XmlText)[];
const isEl = (n: unknown): n is Y.XmlElement => n instanceof Y.XmlElement;

/** A link target that is safe to emit: http, https or mailto only. */
export function safeHref(href: unknown): string | null {
  if (typeof href !== 'string') return null;
  const s = href.trim();
  return /^(https?:|mailto:)/i.test(s) ? s : null;
}

// ---------- Markdown ----------

const mdEscape = (s: string) => s.replace(/([\\`*_[\]<>#|~])/g, '\\$1');

function mdInline(nodes: (Y.XmlElement | Y.XmlText)[]): string {
  let out = '';
  for (const n of nodes) {
    if (isEl(n)) {
      if (n.nodeName === 'hardBreak') out += '  \n';
      else out += mdInline(children(n));
      continue;
    }
    for (const r of runsOf(n)) {
      if (r.marks.code) {
        out += '`' + r.text.replace(/`/g, '\\`') + '`';
        continue;
      }
      let s = mdEscape(r.text);
      if (r.marks.bold) s = `**${s}**`;
      if (r.marks.italic) s = `*${s}*`;
      if (r.marks.strike) s = `~~${s}~~`;
      const href = r.marks.link ? safeHref(r.marks.link.href) : null;
      if (href) s = `[${s}](${href.replace(/[()\s]/g, encodeURIComponent)})`;
      out += s;
    }
  }
  return out;
}

const indent = (s: string, pad: string) => s.split('\n').map((l, i) => (i === 0 || !l ? l : pad + l)).join('\n');

function mdBlock(n: Y.XmlElement | Y.XmlText): string {
  if (!isEl(n)) return mdInline([n]);
  const kids = children(n);
  switch (n.nodeName) {
    case 'heading': {
      const level = Math.min(6, Math.max(1, Number(n.getAttribute('level')) || 1));
      return `${'#'.repeat(level)} ${mdInline(kids)}`;
    }
    case 'paragraph':
      return mdInline(kids);
    case 'blockquote':
      return mdBlocks(kids)
        .split('\n')
        .map((l) => (l ? `> ${l}` : '>'))
        .join('\n');
    case 'codeBlock': {
      const code = runsPlain(kids);
      const lang = String(n.getAttribute('language') ?? '').replace(/[^\w+-]/g, '');
      const fence = code.includes('```') ? '~~~~' : '```';
      return `${fence}${lang}\n${code}\n${fence}`;
    }
    case 'horizontalRule':
      return '---';
    case 'bulletList':
      return kids.map((li) => `- ${indent(mdItem(li), '  ')}`).join('\n');
    case 'orderedList': {
      const start = Number(n.getAttribute('start')) || 1;
      return kids.map((li, i) => `${start + i}. ${indent(mdItem(li), '   ')}`).join('\n');
    }
    case 'taskList':
      return kids.map((li) => `- [${isEl(li) && isChecked(li) ? 'x' : ' '}] ${indent(mdItem(li), '  ')}`).join('\n');
    case 'table':
      return mdTable(n);
    default:
      return mdBlocks(kids);
  }
}

const isChecked = (el: Y.XmlElement) => {
  const v = el.getAttribute('checked') as unknown;
  return v === true || v === 'true';
};

function runsPlain(nodes: (Y.XmlElement | Y.XmlText)[]): string {
  return nodes.map((k) => (isEl(k) ? runsPlain(children(k)) : runsOf(k).map((r) => r.text).join(''))).join('');
}

function mdItem(li: Y.XmlElement | Y.XmlText): string {
  return isEl(li) ? children(li).map(mdBlock).join('\n') : mdInline([li]);
}

function mdBlocks(nodes: (Y.XmlElement | Y.XmlText)[]): string {
  return nodes.map(mdBlock).join('\n\n');
}

function mdTable(table: Y.XmlElement): string {
  const rows = children(table)
    .filter(isEl)
    .map((row) =>
      children(row)
        .filter(isEl)
        .map((c) => children(c).map(mdBlock).join(' ').replace(/\n+/g, ' ').trim()),
    );
  if (!rows.length) return '';
  const width = Math.max(...rows.map((r) => r.length));
  const line = (r: string[]) => `| ${Array.from({ length: width }, (_, i) => r[i] ?? '').join(' | ')} |`;
  return [line(rows[0]!), line(Array(width).fill('---')), ...rows.slice(1).map(line)].join('\n');
}

/** The rich-text document as Markdown, under its title. */
export function docToMarkdown(doc: Y.Doc, title: string): string {
  const body = mdBlocks(children(doc.getXmlFragment(FRAGMENT)).filter((b) => !(isEl(b) && b.nodeName === 'paragraph' && b.length === 0)));
  return `# ${mdEscape(title)}\n\n${body}\n`;
}

// ---------- HTML ----------

/** Escapes text for HTML element content and attribute values. */
export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function htmlInline(nodes: (Y.XmlElement | Y.XmlText)[]): string {
  let out = '';
  for (const n of nodes) {
    if (isEl(n)) {
      out += n.nodeName === 'hardBreak' ? '<br>' : htmlInline(children(n));
      continue;
    }
    for (const r of runsOf(n)) {
      let s = escapeHtml(r.text);
      if (r.marks.code) s = `<code>${s}</code>`;
      if (r.marks.bold) s = `<strong>${s}</strong>`;
      if (r.marks.italic) s = `<em>${s}</em>`;
      if (r.marks.strike) s = `<s>${s}</s>`;
      const href = r.marks.link ? safeHref(r.marks.link.href) : null;
      if (href) s = `<a href="${escapeHtml(href)}" rel="noopener noreferrer nofollow">${s}</a>`;
      out += s;
    }
  }
  return out;
}

function htmlBlock(n: Y.XmlElement | Y.XmlText): string {
  if (!isEl(n)) return htmlInline([n]);
  const kids = children(n);
  const inner = () => kids.map(htmlBlock).join('');
  switch (n.nodeName) {
    case 'heading': {
      const level = Math.min(6, Math.max(1, Number(n.getAttribute('level')) || 1));
      return `<h${level}>${htmlInline(kids)}</h${level}>\n`;
    }
    case 'paragraph':
      return `<p>${htmlInline(kids)}</p>\n`;
    case 'blockquote':
      return `<blockquote>\n${inner()}</blockquote>\n`;
    case 'codeBlock':
      return `<pre><code>${escapeHtml(runsPlain(kids))}</code></pre>\n`;
    case 'horizontalRule':
      return '<hr>\n';
    case 'bulletList':
      return `<ul>\n${inner()}</ul>\n`;
    case 'orderedList': {
      const start = Number(n.getAttribute('start')) || 1;
      return `<ol${start !== 1 ? ` start="${start}"` : ''}>\n${inner()}</ol>\n`;
    }
    case 'listItem':
      return `<li>${inner()}</li>\n`;
    case 'taskList':
      return `<ul class="task-list">\n${inner()}</ul>\n`;
    case 'taskItem': {
      const checked = isChecked(n);
      return `<li class="task-item"><input type="checkbox" disabled${checked ? ' checked' : ''} aria-label="${checked ? 'Done' : 'To do'}"> ${inner()}</li>\n`;
    }
    case 'table':
      return `<table>\n${inner()}</table>\n`;
    case 'tableRow':
      return `<tr>${inner()}</tr>\n`;
    case 'tableHeader':
    case 'tableCell': {
      const tag = n.nodeName === 'tableHeader' ? 'th' : 'td';
      const span = (a: string) => {
        const v = Number(n.getAttribute(a));
        return v > 1 ? ` ${a}="${Math.floor(v)}"` : '';
      };
      return `<${tag}${span('colspan')}${span('rowspan')}>${inner().trim()}</${tag}>`;
    }
    default:
      return inner();
  }
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5}table{border-collapse:collapse}th,td{border:1px solid #999;padding:.25rem .5rem;vertical-align:top}.task-list{list-style:none;padding-left:1rem}.task-item p{display:inline}';

function htmlPage(title: string, body: string): string {
  const t = escapeHtml(title);
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${t}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n<h1>${t}</h1>\n${body}</body>\n</html>\n`;
}

/** The rich-text document as a standalone HTML page. */
export function docToHtml(doc: Y.Doc, title: string): string {
  return htmlPage(title, children(doc.getXmlFragment(FRAGMENT)).map(htmlBlock).join(''));
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

/** A budget as Markdown tables. */
export function budgetToMarkdown(doc: Y.Doc, title: string): string {
  const { header, rows, summary } = budgetRows(doc);
  const cell = (s: string) => mdEscape(s).replace(/\n/g, ' ');
  const line = (r: string[]) => `| ${r.map(cell).join(' | ')} |`;
  const lines = [line(header), line(header.map(() => '---')), ...rows.map(line)];
  const sum = [line(['', 'Amount']), line(['---', '---']), ...summary.map(line)];
  return `# ${mdEscape(title)}\n\n## Line items\n\n${lines.join('\n')}\n\n## Totals\n\n${sum.join('\n')}\n`;
}

/** A budget as an HTML page with two tables. */
export function budgetToHtml(doc: Y.Doc, title: string): string {
  const { header, rows, summary } = budgetRows(doc);
  const tr = (r: string[], tag = 'td') => `<tr>${r.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>\n`;
  const body =
    `<h2>Line items</h2>\n<table>\n${tr(header, 'th')}${rows.map((r) => tr(r)).join('')}</table>\n` +
    `<h2>Totals</h2>\n<table>\n${summary.map((r) => `<tr><th scope="row">${escapeHtml(r[0]!)}</th><td>${escapeHtml(r[1]!)}</td></tr>\n`).join('')}</table>\n`;
  return htmlPage(title, body);
}
