/**
 * Markdown for document bodies: prosemirror-markdown's serialiser with its CommonMark node and mark
 * writers mapped onto Tiptap's names, plus the GitHub-flavoured parts Tiptap adds (task lists, tables,
 * strike). Link marks reach this point already filtered by the safe-link rule (export.ts).
 */
import type { Mark, Node as PMNode } from '@tiptap/pm/model';
import { defaultMarkdownSerializer, MarkdownSerializer, type MarkdownSerializerState } from 'prosemirror-markdown';

// Lists as editors show them: one item per line, no blank line between items.
const TIGHT = { tightLists: true };
const base = defaultMarkdownSerializer.nodes;
const baseMarks = defaultMarkdownSerializer.marks;

/** Markdown-significant characters in a link target are percent-encoded so the target stays one token. */
const mdHref = (href: string) => href.trim().replace(/[()\s<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

/** One table cell on one line: blocks and hard breaks become spaces; pipes are already escaped. */
function cellText(cell: PMNode): string {
  return serializer.serialize(cell, TIGHT).replace(/\\?\s*\n+\s*/g, ' ').trim();
}

function table(state: MarkdownSerializerState, node: PMNode): void {
  const rows: string[][] = [];
  node.forEach((row) => {
    const cells: string[] = [];
    row.forEach((cell) => cells.push(cellText(cell)));
    rows.push(cells);
  });
  const width = Math.max(1, ...rows.map((r) => r.length));
  const line = (r: string[]) => `| ${Array.from({ length: width }, (_, i) => r[i] ?? '').join(' | ')} |`;
  const [head = [], ...body] = rows;
  state.write([line(head), line(Array(width).fill('---')), ...body.map(line)].join('\n'));
  state.closeBlock(node);
}

const serializer: MarkdownSerializer = new MarkdownSerializer(
  {
    doc: (state, node) => state.renderContent(node),
    text: base.text!,
    paragraph: base.paragraph!,
    heading: base.heading!,
    blockquote: base.blockquote!,
    horizontalRule: base.horizontal_rule!,
    listItem: base.list_item!,
    hardBreak: base.hard_break!,
    codeBlock: (state, node) => {
      // As prosemirror-markdown's code_block, with Tiptap's `language` attribute as the info string.
      const longest = (node.textContent.match(/`{3,}/g) ?? []).sort().pop();
      const fence = longest ? `${longest}\`` : '```';
      state.write(`${fence}${String(node.attrs.language ?? '').replace(/[^\w+-]/g, '')}\n`);
      state.text(node.textContent, false);
      state.write('\n');
      state.write(fence);
      state.closeBlock(node);
    },
    bulletList: (state, node) => state.renderList(node, '  ', () => '- '),
    orderedList: (state, node) => {
      const start = Number(node.attrs.start) || 1;
      const width = String(start + node.childCount - 1).length;
      state.renderList(node, ' '.repeat(width + 2), (i) => `${String(start + i).padStart(width)}. `);
    },
    taskList: (state, node) => state.renderList(node, '  ', (i) => `- [${node.child(i).attrs.checked ? 'x' : ' '}] `),
    taskItem: (state, node) => state.renderContent(node),
    table,
    tableRow: () => {},
    tableHeader: () => {},
    tableCell: (state, node) => state.renderContent(node),
  },
  {
    bold: baseMarks.strong!,
    italic: baseMarks.em!,
    code: baseMarks.code!,
    strike: { open: '~~', close: '~~', mixable: true, expelEnclosingWhitespace: true },
    // Markdown has no underline: the text stays, unmarked.
    underline: { open: '', close: '' },
    link: {
      open: '[',
      close: (_state: MarkdownSerializerState, mark: Mark) => `](${mdHref(String(mark.attrs.href))})`,
      mixable: true,
    },
  },
  // `<` and `|` would start HTML or a table cell; `>` is escaped too unless the serialiser just did (a quote).
  { hardBreakNodeName: 'hardBreak', escapeExtraCharacters: /[<|]|(?<!\\)>/g },
);

/** A document body (a ProseMirror node) as Markdown, without a trailing newline. */
export function bodyToMarkdown(doc: PMNode): string {
  return serializer.serialize(doc, TIGHT);
}
