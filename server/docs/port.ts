/**
 * What the docs feature offers its peers (sessions, chat), so none of them reads the `docs` collection:
 * a document's identity, title search, the meeting-notes edits, its Markdown, and create/remove/retitle.
 */
import type * as Y from 'yjs';
import type { TemplateId } from '../../shared/docs';
import { templateById, type BudgetSeed, type RichNode } from '../../shared/templates';
import { AppError } from '../errors';
import { accessDoc, createDoc, exportDoc, type DocsDeps } from './commands';
import { loadContent } from './content-lazy';
import type { ExportNotesProvider } from './export-notes';
import { removeDocRecord } from './records';

export interface DocInfo {
  id: string;
  spaceId: string;
  title: string;
  archived: boolean;
  /** Rich text or a budget (the template's kind). */
  kind: 'rich' | 'budget';
  /** The template id the document was made from (stored as written then). */
  template: string;
  createdBy: string;
}

export interface DocsPort {
  /** A document's identity (null when there is none); no access check: callers check the space. */
  info(docId: string): Promise<DocInfo | null>;
  /** A space's non-archived documents whose title contains `text` (case-insensitive), by title. */
  searchTitles(spaceId: string, text: string, limit: number): Promise<{ id: string; title: string }[]>;
  /**
   * Creates a document in a space on behalf of `userId` (the policy decides), optionally with its own rich
   * body instead of the template's.
   */
  createDoc(userId: string, spaceId: string, input: { title: string; template: TemplateId; body?: RichNode[]; budget?: BudgetSeed }): Promise<{ id: string }>;
  /** Removes a document just created by `createDoc` when what it was made for failed. */
  removeDoc(docId: string): Promise<void>;
  /** Retitles a document from `from` to `to` only while its title is still `from` (a hand-chosen title is kept). */
  retitleDoc(docId: string, from: string, to: string): Promise<void>;
  /** A document's title and Markdown export when `userId` may read it; null otherwise or when it is gone. */
  docMarkdown(userId: string, docId: string): Promise<{ title: string; markdown: string } | null>;
  /**
   * Adds a line to a section ("Decisions": a bullet, "Action items": a checklist item) of a rich-text
   * document, as a live edit; does nothing for a budget, an archived or a missing document.
   */
  appendToNotes(docId: string, section: 'Decisions' | 'Action items', text: string): Promise<void>;
  /** Ticks or unticks the notes' checklist line of an action item (found by its text); a live edit. */
  markNotesItem(docId: string, text: string, done: boolean): Promise<void>;
  /** A document's full Yjs state now (live room or store); no access check: the caller has authorized. */
  state(docId: string): Promise<Uint8Array>;
  /** Who shaped the document as far as docs records it: its creator, then the authors of named versions. */
  contributors(docId: string): Promise<string[]>;
  /** The comments feature supplies a document's open threads for exports that ask for them. */
  provideExportNotes(provider: ExportNotesProvider): void;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The port over the docs feature's own dependencies. */
export function createDocsPort(deps: DocsDeps): DocsPort {
  const { ctx, docs } = deps;

  /** Runs `fn` as a live edit of a rich, non-archived document; false when there is none to edit. */
  const editRich = async (docId: string, fn: (ydoc: Y.Doc) => boolean): Promise<boolean> => {
    const doc = await docs.byId(docId);
    if (!doc || doc.archived || templateById(doc.template)?.kind !== 'rich') return false;
    let changed = false;
    await deps.collab.edit(docId, (ydoc) => void (changed = fn(ydoc)));
    if (changed) await docs.touch(docId, new Date(ctx.now()));
    return changed;
  };

  return {
    state: (docId) => deps.collab.snapshot(docId),
    async contributors(docId) {
      const d = await docs.byId(docId);
      const named = (await deps.versions.ofDoc(docId)).flatMap((v) => (v.createdBy ? [v.createdBy] : []));
      return [...new Set([...(d ? [d.createdBy] : []), ...named.reverse()])];
    },
    provideExportNotes(provider) {
      deps.exportNotes = provider;
    },
    async info(docId) {
      const d = await docs.byId(docId);
      return d ? { id: d._id, spaceId: d.spaceId, title: d.title, archived: d.archived, kind: templateById(d.template)?.kind ?? 'rich', template: d.template, createdBy: d.createdBy } : null;
    },
    async searchTitles(spaceId, text, limit) {
      const rows = await docs.titled(spaceId, new RegExp(escapeRegex(text.trim()), 'i'), limit);
      return rows.map((d) => ({ id: d._id, title: d.title }));
    },
    createDoc: async (userId, spaceId, { title, template, body, budget }) => ({ id: (await createDoc(deps, userId, spaceId, { title, template }, body, budget))._id }),
    async removeDoc(docId) {
      await removeDocRecord(ctx.store, docId);
    },
    async retitleDoc(docId, from, to) {
      const doc = await docs.byId(docId);
      if (doc && doc.title === from && from !== to) await docs.update(docId, { title: to, updatedAt: new Date(ctx.now()) });
    },
    async docMarkdown(userId, docId) {
      try {
        const { doc } = await accessDoc(deps, docId, userId, 'docs.read');
        return { title: doc.title, markdown: (await exportDoc(deps, doc, 'markdown')).body };
      } catch (err) {
        if (err instanceof AppError && (err.code === 'not_found' || err.code === 'forbidden')) return null;
        throw err;
      }
    },
    async appendToNotes(docId, section, text) {
      const { appendToSection } = await loadContent();
      await editRich(docId, (ydoc) => (appendToSection(ydoc, section, section === 'Decisions' ? 'bulletList' : 'taskList', text), true));
    },
    async markNotesItem(docId, text, done) {
      const { setTaskDone } = await loadContent();
      await editRich(docId, (ydoc) => setTaskDone(ydoc, 'Action items', text, done));
    },
  };
}
