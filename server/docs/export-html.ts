/**
 * HTML for document bodies: ProseMirror's DOMSerializer with the schema's own toDOM specs, a few of them
 * replaced for a standalone page (checklists as disabled checkboxes with a name, plain tables, links that
 * carry no target), writing into a tiny string DOM, the only DOM the serialiser needs on the server.
 */
import { DOMSerializer, type DOMOutputSpec, type Mark, type Node as PMNode, type Schema } from '@tiptap/pm/model';
import { escapeHtml } from '../../shared/html';

interface StringNode {
  html(): string;
}

// Elements with no closing tag; containers and blocks around which a newline keeps the page readable
// (never inside <pre>, where it would show); cells keep their content on their row's line.
const VOID = new Set(['br', 'hr', 'input', 'img', 'col']);
const BREAK_IN = new Set(['ul', 'ol', 'blockquote', 'table', 'tbody']);
const BREAK_AFTER = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'blockquote', 'pre', 'hr', 'table', 'tbody', 'tr']);
const ONE_LINE = new Set(['td', 'th']);
const ATTR_NAME = /^[a-zA-Z_][\w.:-]*$/;

class StringText implements StringNode {
  constructor(private readonly text: string) {}
  html() {
    return escapeHtml(this.text);
  }
}

class StringFragment implements StringNode {
  protected readonly children: StringNode[] = [];
  appendChild<T extends StringNode>(child: T): T {
    this.children.push(child);
    return child;
  }
  html() {
    return this.children.map((c) => c.html()).join('');
  }
}

class StringElement extends StringFragment {
  private readonly attrs = new Map<string, string>();
  constructor(private readonly tag: string) {
    super();
  }
  setAttribute(name: string, value: unknown) {
    if (ATTR_NAME.test(name)) this.attrs.set(name, String(value));
  }
  setAttributeNS(_ns: string, name: string, value: unknown) {
    this.setAttribute(name, value);
  }
  override html() {
    const attrs = [...this.attrs].map(([k, v]) => (v === '' ? ` ${k}` : ` ${k}="${escapeHtml(v)}"`)).join('');
    const open = `<${this.tag}${attrs}>${BREAK_IN.has(this.tag) ? '\n' : ''}`;
    const inner = ONE_LINE.has(this.tag) ? super.html().trim() : super.html();
    const html = VOID.has(this.tag) ? open : `${open}${inner}</${this.tag}>`;
    return BREAK_AFTER.has(this.tag) ? `${html}\n` : html;
  }
}

const stringDocument = {
  createElement: (tag: string) => new StringElement(tag.toLowerCase()),
  createElementNS: (_ns: string, tag: string) => new StringElement(tag.toLowerCase()),
  createTextNode: (text: string) => new StringText(text),
  createDocumentFragment: () => new StringFragment(),
};

const span = (n: unknown) => (Number(n) > 1 ? Math.floor(Number(n)) : null);
const cell = (tag: 'td' | 'th') => (node: PMNode): DOMOutputSpec => [tag, { colspan: span(node.attrs.colspan), rowspan: span(node.attrs.rowspan) }, 0];

const OVERRIDES = {
  nodes: {
    taskList: (): DOMOutputSpec => ['ul', { class: 'task-list' }, 0],
    taskItem: (node: PMNode): DOMOutputSpec => [
      'li',
      { class: 'task-item' },
      ['input', { type: 'checkbox', disabled: '', checked: node.attrs.checked ? '' : null, 'aria-label': node.attrs.checked ? 'Done' : 'To do' }],
      ['div', 0],
    ],
    table: (): DOMOutputSpec => ['table', ['tbody', 0]],
    tableHeader: cell('th'),
    tableCell: cell('td'),
  },
  marks: {
    link: (mark: Mark): DOMOutputSpec => ['a', { href: String(mark.attrs.href).trim(), rel: 'noopener noreferrer nofollow' }, 0],
  },
};

const serializers = new WeakMap<Schema, DOMSerializer>();

function serializerFor(schema: Schema): DOMSerializer {
  let s = serializers.get(schema);
  if (!s) {
    s = new DOMSerializer({ ...DOMSerializer.nodesFromSchema(schema), ...OVERRIDES.nodes }, { ...DOMSerializer.marksFromSchema(schema), ...OVERRIDES.marks });
    serializers.set(schema, s);
  }
  return s;
}

/** A document body (a ProseMirror node) as HTML, one block per line. */
export function bodyToHtml(doc: PMNode): string {
  const target = stringDocument.createDocumentFragment();
  serializerFor(doc.type.schema).serializeFragment(doc.content, { document: stringDocument as unknown as Document }, target as unknown as DocumentFragment);
  return target.html();
}
