/**
 * The docs feature's part of a space's data (server/spacedata/port.ts): every document, archived ones
 * too, as Markdown, HTML and its full Yjs state, budgets also as CSV, plus an index; and the erase of
 * everything docs keeps about the space's documents (their versions and the collab core's update log,
 * snapshots and fencing records), the document records last so a cut-short erase can find them again.
 */
import { templateById } from '../../shared/templates';
import { OWNERS, SNAPSHOTS, STATES, UPDATES } from '../collab/updateLog';
import { createStateBlobs } from '../store/state-blobs';
import { entryName } from '../spacedata/names';
import type { SpaceDataPart } from '../spacedata/port';
import { exportDoc, type DocsDeps } from './commands';
import { VERSION_BLOBS, type DocRecord } from './records';

/** The per-document collections, each keyed by `docId`. */
const PER_DOC = ['docVersions', 'docVersionStates', UPDATES, SNAPSHOTS];

/** The part over the docs feature's own dependencies. */
export function docsSpaceData(d: DocsDeps): SpaceDataPart {
  const { ctx } = d;
  const all = (spaceId: string) => ctx.store.collection<DocRecord>('docs').find({ spaceId }, { sort: { createdAt: 1, _id: 1 } });
  return {
    name: 'docs',
    async export({ spaceId, sink }) {
      const docs = await all(spaceId);
      const index = docs.map((doc) => {
        const base = `documents/${entryName(doc.title, doc._id)}`;
        const budget = templateById(doc.template)?.kind === 'budget';
        const files = { markdown: `${base}.md`, html: `${base}.html`, state: `${base}.yjs.bin`, ...(budget ? { csv: `budgets/${entryName(doc.title, doc._id)}.csv` } : {}) };
        sink.file(files.markdown, async () => (await exportDoc(d, doc, 'markdown')).body);
        sink.file(files.html, async () => (await exportDoc(d, doc, 'html')).body);
        sink.file(files.state, () => d.collab.snapshot(doc._id));
        if (files.csv) sink.file(files.csv, async () => (await exportDoc(d, doc, 'csv')).body);
        return {
          id: doc._id,
          title: doc.title,
          template: doc.template,
          kind: budget ? 'budget' : 'rich',
          archived: doc.archived,
          createdBy: doc.createdBy,
          createdAt: doc.createdAt.toISOString(),
          updatedAt: doc.updatedAt.toISOString(),
          files,
        };
      });
      sink.file('documents/index.json', async () => JSON.stringify(index, null, 2));
      sink.describe('documents/index.json  every document (archived ones too): id, title, template, dates, and its files below.');
      sink.describe('documents/<title>--<id>.md, .html  each document as Markdown and as a standalone HTML page.');
      sink.describe('documents/<title>--<id>.yjs.bin  its full Yjs state (Y.encodeStateAsUpdate): Y.applyUpdate on a new Y.Doc restores it exactly.');
      sink.describe('budgets/<title>--<id>.csv  each budget\'s lines as CSV (category, description, quantity, unit cost, funding source, notes).');
    },
    async erase(spaceId) {
      const docs = await all(spaceId);
      const states = createStateBlobs(ctx.store, STATES);
      const versionStates = createStateBlobs(ctx.store, VERSION_BLOBS);
      /** The chunked states the records of `name` name (snapshots, large updates, versions). */
      const blobsOf = async (name: string, docId: string) =>
        (await ctx.store.collection<{ _id: string; blob?: string }>(name).find({ docId })).flatMap((r) => (r.blob ? [r.blob] : []));
      for (const doc of docs) {
        // The chunks first are announced (condemn), then their records go, then the chunks (drop): the
        // blob store's own removal order, so a cut-short erase leaves nothing its repair cannot find.
        const held = [...(await blobsOf(SNAPSHOTS, doc._id)), ...(await blobsOf(UPDATES, doc._id))];
        const versions = await blobsOf('docVersions', doc._id);
        await states.condemn(held);
        await versionStates.condemn(versions);
        for (const name of PER_DOC) await ctx.store.collection(name).deleteMany({ docId: doc._id });
        await states.drop(held);
        await versionStates.drop(versions);
        await ctx.store.collection(OWNERS).deleteOne({ _id: doc._id });
      }
      await ctx.store.collection('docs').deleteMany({ spaceId });
    },
  };
}
