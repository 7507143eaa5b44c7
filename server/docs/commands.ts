/**
 * Docs use-cases: create from a template, rename/archive, versions (named, automatic, restore) and export.
 * Each loads the document, asks the policy module through accessSpace, then acts.
 */
import * as Y from 'yjs';
import type { CreateDocBody, ExportFormat, UpdateDocBody } from '../../shared/docs';
import { type BudgetSeed, templateById, type RichNode } from '../../shared/templates';
import type { CollabService } from '../collab/service';
import { accessSpace, accessWithin, type SpaceAccess } from '../commands/access';
import type { Ctx } from '../context';
import { invalidPayload, notFound } from '../errors';
import { newId, newSortableId } from '../ids';
import type { Action } from '../policies';
import { loadContent, loadExport } from './content-lazy';
import { markNotes, notesHtml, notesMarkdown, type ExportNotesProvider } from './export-notes';
import { removeDocRecord, type DocRecord, type DocsRepo, type VersionRecord, type VersionsRepo } from './records';

export interface DocsDeps {
  ctx: Ctx;
  docs: DocsRepo;
  versions: VersionsRepo;
  collab: CollabService;
  /** Supplies a document's open comment threads for exports; set by the comments feature through the port. */
  exportNotes?: ExportNotesProvider;
}

/** How often an edited document gets an automatic version, at most. */
export const AUTO_VERSION_EVERY_MS = 60 * 60 * 1000;
/** Automatic versions younger than this are all kept; older ones are thinned to one a day. */
export const AUTO_VERSION_KEEP_ALL_MS = 48 * 60 * 60 * 1000;

/** Loads a document and authorizes `action` in its space; unknown or hidden documents are 404. */
export async function accessDoc(d: DocsDeps, docId: string, userId: string | null, action: Action): Promise<SpaceAccess & { doc: DocRecord }> {
  const doc = await d.docs.byId(docId);
  if (!doc) throw notFound('That document');
  return { ...(await accessWithin(d.ctx, doc.spaceId, userId, action, 'That document')), doc };
}

const isBudget = (doc: DocRecord) => templateById(doc.template)?.kind === 'budget';

/**
 * Creates a document and writes its template content (or `content`, a rich body of the template's kind)
 * through the collab core before anyone connects.
 */
export async function createDoc(d: DocsDeps, userId: string, spaceId: string, body: CreateDocBody, content?: RichNode[], budget?: BudgetSeed): Promise<DocRecord> {
  await accessSpace(d.ctx, spaceId, userId, 'docs.create');
  const tpl = templateById(body.template);
  if (!tpl) throw invalidPayload('Unknown template.');
  const at = new Date(d.ctx.now());
  const doc: DocRecord = { _id: newId(), spaceId, title: body.title, template: tpl.id, createdBy: userId, createdAt: at, updatedAt: at, archived: false };
  const { applyTemplate } = await loadContent();
  await d.docs.insert(doc);
  try {
    const seeded = content && tpl.kind === 'rich' ? { ...tpl, body: content } : budget && tpl.kind === 'budget' ? { ...tpl, budget } : tpl;
    await d.collab.edit(doc._id, (ydoc) => applyTemplate(ydoc, seeded));
  } catch (err) {
    d.ctx.logger.error({ err, docId: doc._id }, 'writing template content failed; removing the document');
    await removeDocRecord(d.ctx.store, doc._id);
    throw err;
  }
  return doc;
}

/** Renames, archives or restores a document from the archive. */
export async function updateDoc(d: DocsDeps, userId: string, docId: string, body: UpdateDocBody): Promise<DocRecord> {
  await accessDoc(d, docId, userId, 'docs.manage');
  const set: Partial<DocRecord> = { updatedAt: new Date(d.ctx.now()) };
  if (body.title !== undefined) set.title = body.title;
  if (body.archived !== undefined) set.archived = body.archived;
  const updated = await d.docs.update(docId, set);
  if (!updated) throw notFound('That document');
  if (body.archived !== undefined) d.collab.setArchived(docId, body.archived);
  return updated;
}

/** Stores the document's current full state as a version. */
export async function saveVersion(d: DocsDeps, docId: string, name: string, kind: VersionRecord['kind'], userId: string | null): Promise<VersionRecord> {
  const state = await d.collab.snapshot(docId);
  const v: VersionRecord = {
    _id: newSortableId(d.ctx.now()),
    docId,
    name,
    kind,
    stateVector: Y.encodeStateVectorFromUpdate(state),
    size: state.byteLength,
    createdBy: userId,
    createdAt: new Date(d.ctx.now()),
  };
  await d.versions.insert(v, state);
  return v;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Saves an automatic version when the content changed since the latest version of any kind and the
 * latest automatic one is at least an hour old, then thins automatic versions older than two days.
 * Returns the new version or null. Called after a document's edits are stored and by the periodic sweep
 * (auto-versions.ts), so a busy document gets one at most hourly; never by a read.
 */
export async function maybeAutoVersion(d: DocsDeps, doc: DocRecord): Promise<VersionRecord | null> {
  const now = d.ctx.now();
  const lastAuto = await d.versions.latest(doc._id, 'auto');
  if (lastAuto && now - lastAuto.createdAt.getTime() < AUTO_VERSION_EVERY_MS) return null;
  if (!lastAuto && now - doc.createdAt.getTime() < AUTO_VERSION_EVERY_MS) return null;
  const latest = await d.versions.latest(doc._id);
  const state = await d.collab.snapshot(doc._id);
  const sv = Y.encodeStateVectorFromUpdate(state);
  if (latest && sameBytes(latest.stateVector, sv)) return null;
  const made = await saveVersion(d, doc._id, 'Automatic version', 'auto', null);
  // History stays bounded: hourly for the last two days, then the last version of each day.
  await d.versions.thinAutomatic(doc._id, new Date(now - AUTO_VERSION_KEEP_ALL_MS));
  return made;
}

/**
 * Restores a version as a NEW edit on top: the current content is first kept as "Before restore", then
 * replaced by the version's content. No history is removed.
 */
export async function restoreVersion(d: DocsDeps, userId: string, docId: string, versionId: string): Promise<VersionRecord> {
  const { doc } = await accessDoc(d, docId, userId, 'docs.edit');
  const v = await d.versions.byId(docId, versionId);
  const state = v ? await d.versions.stateOf(docId, versionId) : null;
  if (!v || !state) throw notFound('That version');
  const { docFromState, replaceContent } = await loadContent();
  await saveVersion(d, docId, 'Before restore', 'auto', userId);
  const source = docFromState(state);
  const kind = isBudget(doc) ? 'budget' : 'rich';
  await d.collab.edit(docId, (ydoc) => replaceContent(ydoc, source, kind));
  source.destroy();
  await d.docs.touch(docId, new Date(d.ctx.now()));
  return v;
}

const CONTENT_TYPES: Record<ExportFormat, string> = {
  markdown: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};
const EXTENSIONS: Record<ExportFormat, string> = { markdown: 'md', html: 'html', csv: 'csv' };

/** A filename made of the title's safe characters. */
export function exportFilename(title: string, format: ExportFormat): string {
  const base = title.normalize('NFKD').replace(/[^\w\s-]/g, '').trim().replace(/\s+/g, '-').slice(0, 80) || 'document';
  return `${base}.${EXTENSIONS[format]}`;
}

/** Renders the document in `format`; CSV exists only for budgets. */
export async function exportDoc(
  d: DocsDeps,
  doc: DocRecord,
  format: ExportFormat,
  opts: { comments?: 'none' | 'open' } = {},
): Promise<{ body: string; contentType: string; filename: string }> {
  const budget = isBudget(doc);
  if (format === 'csv' && !budget) throw invalidPayload('CSV export is only available for budgets.', { fields: [{ field: 'format', message: 'csv is for budgets' }] });
  const [{ docFromState }, { budgetCsv, budgetToHtml, budgetToMarkdown, docToHtml, docToMarkdown }] = await Promise.all([loadContent(), loadExport()]);
  const ydoc = docFromState(await d.collab.snapshot(doc._id));
  try {
    const notes = opts.comments === 'open' && format !== 'csv' && d.exportNotes ? await d.exportNotes(doc._id) : [];
    const marked = budget ? notes.map(() => false) : markNotes(ydoc, notes);
    let body =
      format === 'csv' ? budgetCsv(ydoc)
      : format === 'html' ? (budget ? budgetToHtml(ydoc, doc.title) : docToHtml(ydoc, doc.title))
      : budget ? budgetToMarkdown(ydoc, doc.title)
      : docToMarkdown(ydoc, doc.title);
    if (notes.length && format === 'markdown') body += notesMarkdown(notes, marked);
    if (notes.length && format === 'html') body = body.replace('</body>', `${notesHtml(notes, marked)}</body>`);
    return { body, contentType: CONTENT_TYPES[format], filename: exportFilename(doc.title, format) };
  } finally {
    ydoc.destroy();
  }
}
