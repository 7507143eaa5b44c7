/**
 * The docs feature: document metadata, templates, export and history over HTTP, plus the collab core's
 * /yjs endpoint, which it builds and attaches (the collab core owns rooms and persistence).
 */
import type * as Y from 'yjs';
import { COLLAB_INDEXES } from '../collab';
import type { Feature } from '../feature';
import { createAutoVersioner, startAutoVersions } from './auto-versions';
import { createDocsCollab } from './collab-hooks';
import { AppError } from '../errors';
import { templateById } from '../../shared/templates';
import { accessDoc, createDoc, exportDoc, type DocsDeps } from './commands';
import { appendToSection, setTaskDone } from './content';
import { createDocsRepo, createVersionsRepo, DOC_INDEXES, removeDocRecord, VERSION_INDEXES } from './records';
import { docRoutes } from './routes';

export const docsFeature: Feature = {
  name: 'docs',
  indexes: [...DOC_INDEXES, ...VERSION_INDEXES, ...COLLAB_INDEXES],
  create(ctx) {
    const docs = createDocsRepo(ctx.store);
    // Automatic versions follow stored edits (never reads); the versioner needs the collab service itself.
    const collab = createDocsCollab(ctx, docs, { afterStored: (docId) => void auto.afterEdit(docId) });
    const deps: DocsDeps = { ctx, docs, versions: createVersionsRepo(ctx.store), collab: collab.service };
    const auto = createAutoVersioner(deps);
    ctx.services.createDoc = async (userId, spaceId, { title, template, body }) => ({ id: (await createDoc(deps, userId, spaceId, { title, template }, body))._id });
    ctx.services.docState = (docId) => collab.service.snapshot(docId);
    ctx.services.removeDoc = async (docId) => {
      await removeDocRecord(ctx.store, docId);
    };
    ctx.services.retitleDoc = async (docId, from, to) => {
      const doc = await docs.byId(docId);
      if (doc && doc.title === from && from !== to) await docs.update(docId, { title: to, updatedAt: new Date(ctx.now()) });
    };
    ctx.services.docMarkdown = async (userId, docId) => {
      try {
        const { doc } = await accessDoc(deps, docId, userId, 'docs.read');
        return { title: doc.title, markdown: (await exportDoc(deps, doc, 'markdown')).body };
      } catch (err) {
        if (err instanceof AppError && (err.code === 'not_found' || err.code === 'forbidden')) return null;
        throw err;
      }
    };
    /** Runs `fn` as a live edit of a rich, non-archived document; false when there is none to edit. */
    const editRich = async (docId: string, fn: (ydoc: Y.Doc) => boolean): Promise<boolean> => {
      const doc = await docs.byId(docId);
      if (!doc || doc.archived || templateById(doc.template)?.kind !== 'rich') return false;
      let changed = false;
      await collab.service.edit(docId, (ydoc) => void (changed = fn(ydoc)));
      if (changed) await docs.touch(docId, new Date(ctx.now()));
      return changed;
    };
    ctx.services.appendToNotes = async (docId, section, text) => {
      await editRich(docId, (ydoc) => (appendToSection(ydoc, section, section === 'Decisions' ? 'bulletList' : 'taskList', text), true));
    };
    ctx.services.markNotesItem = async (docId, text, done) => {
      await editRich(docId, (ydoc) => setTaskDone(ydoc, 'Action items', text, done));
    };
    return {
      routes: () => docRoutes(deps),
      attach(server) {
        collab.attach(server);
        const stopAuto = startAutoVersions(auto, ctx.logger);
        return {
          async close() {
            stopAuto();
            await collab.close();
          },
        };
      },
    };
  },
};
