/**
 * The docs feature: document metadata, templates, export and history over HTTP, plus the collab core's
 * /yjs endpoint, which it builds and attaches (the collab core owns rooms and persistence). Other
 * features reach documents only through the port it provides (server/docs/port.ts).
 */
import { COLLAB_INDEXES, repairUpdateLog } from '../collab';
import type { Feature } from '../feature';
import { createAutoVersioner, startAutoVersions } from './auto-versions';
import { createDocsCollab } from './collab-hooks';
import type { DocsDeps } from './commands';
import { createDocsPort } from './port';
import { createDocsRepo, createVersionsRepo, DOC_INDEXES, VERSION_INDEXES } from './records';
import { docRoutes } from './routes';
import { docsSpaceData } from './space-data';

export const docsFeature: Feature = {
  name: 'docs',
  indexes: [...DOC_INDEXES, ...VERSION_INDEXES, ...COLLAB_INDEXES],
  create(ctx, ports) {
    const docs = createDocsRepo(ctx.store);
    // Automatic versions follow stored edits (never reads); the versioner needs the collab service itself.
    const collab = createDocsCollab(ctx, docs, { afterStored: (docId) => void auto.afterEdit(docId) });
    const deps: DocsDeps = { ctx, docs, versions: createVersionsRepo(ctx.store), collab: collab.service };
    const auto = createAutoVersioner(deps);
    ports.spaceData?.register(docsSpaceData(deps));
    return {
      // Chunks of states whose snapshot or version a crash cut short (see server/store/state-blobs.ts).
      async repair() {
        const now = new Date(ctx.now());
        const orphans = (await repairUpdateLog(ctx.store, now)) + (await deps.versions.repair(now));
        if (orphans) ctx.logger.info({ orphans }, 'removed document states left by an interrupted write');
      },
      routes: () => docRoutes(deps),
      provides: { docs: createDocsPort(deps) },
      attach(server) {
        collab.attach(server);
        const stopAuto = startAutoVersions(auto, ctx.logger, undefined, ctx.jobs);
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
