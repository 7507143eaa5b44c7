/**
 * The library's one door to the docs feature. Everything the library needs of documents goes through
 * `LibraryDocs`, built here from what server/docs exports today, so rewiring docs (a docs port, other
 * serialisers) changes this file only.
 */
import type { TemplateId } from '../../shared/docs';
import { templateById, type BudgetSeed, type RichNode } from '../../shared/templates';
import type { BudgetLine } from '../../shared/budget';
// Rendering code (tiptap, ProseMirror, y-prosemirror) loads on first use, not at start (content-lazy.ts).
import { loadContent, loadExport } from '../docs/content-lazy';
import type { DocsPort } from '../docs/port';

export interface LibraryDocInfo {
  id: string;
  spaceId: string;
  title: string;
  template: string;
  createdBy: string;
}

export interface LibraryDocs {
  /** The document's metadata, or null when it does not exist. */
  byId(docId: string): Promise<LibraryDocInfo | null>;
  /** The document's full Yjs state now (live room or store). */
  state(docId: string): Promise<Uint8Array>;
  /** Who shaped the document as far as docs records it: its creator, then authors of named versions. */
  contributors(docId: string): Promise<string[]>;
  /** Creates a document through the docs feature's own path (its policy check included). */
  create(userId: string, spaceId: string, input: { title: string; template: TemplateId; body?: RichNode[]; budget?: BudgetSeed }): Promise<{ id: string }>;
}

const missing = (what: string) => new Error(`the docs feature is not mounted (${what})`);

/** Builds the library's view of documents over the docs feature's port. */
export function libraryDocs(port: DocsPort | undefined): LibraryDocs {
  if (!port) throw missing('docs port');
  return {
    async byId(docId) {
      const d = await port.info(docId);
      return d && { id: d.id, spaceId: d.spaceId, title: d.title, template: d.template, createdBy: d.createdBy };
    },
    state: (docId) => port.state(docId),
    contributors: (docId) => port.contributors(docId),
    create: (userId, spaceId, input) => port.createDoc(userId, spaceId, input),
  };
}

/** Markdown and standalone HTML of a frozen state, as the docs export renders them. */
export async function renderState(state: Uint8Array, template: string, title: string): Promise<{ markdown: string; html: string }> {
  const [{ docFromState }, { budgetToHtml, budgetToMarkdown, docToHtml, docToMarkdown }] = await Promise.all([loadContent(), loadExport()]);
  const ydoc = docFromState(state);
  try {
    const budget = templateById(template)?.kind === 'budget';
    return budget
      ? { markdown: budgetToMarkdown(ydoc, title), html: budgetToHtml(ydoc, title) }
      : { markdown: docToMarkdown(ydoc, title), html: docToHtml(ydoc, title) };
  } finally {
    ydoc.destroy();
  }
}

type PmJson = { type: string; text?: string; attrs?: Record<string, unknown>; marks?: { type: string; attrs?: Record<string, unknown> }[]; content?: PmJson[] };

function toRich(n: PmJson): RichNode {
  if (n.type === 'text') {
    const marks = n.marks?.map((m) => ({ type: m.type, ...(m.attrs && Object.keys(m.attrs).length ? { attrs: stringAttrs(m.attrs) } : {}) }));
    return { type: 'text', text: n.text ?? '', ...(marks?.length ? { marks } : {}) } as RichNode;
  }
  const attrs = n.attrs && Object.fromEntries(Object.entries(n.attrs).filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object'));
  return { type: n.type, ...(attrs && Object.keys(attrs).length ? { attrs } : {}), ...(n.content ? { content: n.content.map(toRich) } : {}) } as RichNode;
}

const stringAttrs = (a: Record<string, unknown>) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, String(v)]));

/** The rich body of a frozen state (ProseMirror JSON through y-prosemirror), to seed a remix. */
export async function richBody(state: Uint8Array): Promise<RichNode[]> {
  const [{ docFromState, FRAGMENT }, { yXmlFragmentToProsemirrorJSON }] = await Promise.all([loadContent(), import('y-prosemirror')]);
  const ydoc = docFromState(state);
  try {
    const json = yXmlFragmentToProsemirrorJSON(ydoc.getXmlFragment(FRAGMENT)) as PmJson;
    return (json.content ?? []).map(toRich);
  } finally {
    ydoc.destroy();
  }
}

/** A frozen budget's lines and allocation, to seed a remix. */
export async function budgetOf(state: Uint8Array): Promise<{ lines: BudgetLine[]; allocation: number }> {
  const { docFromState, readBudget } = await loadContent();
  const ydoc = docFromState(state);
  try {
    return readBudget(ydoc);
  } finally {
    ydoc.destroy();
  }
}
