/**
 * The docs feature: document metadata, templates, export and history over HTTP, plus the collab core's
 * /yjs endpoint, which it builds and attaches (the collab core owns rooms and persistence).
 */
import { COLLAB_INDEXES, createCollab } from '../collab';
import type { Feature } from '../feature';
import { startAutoVersions } from './auto-versions';
import type { DocsDeps } from './commands';
import { createDocsPort } from './port';
import { createDocsRepo, createVersionsRepo, DOC_INDEXES, VERSION_INDEXES } from './records';
import { docRoutes } from './routes';

export const docsFeature: Feature = {
  name: 'docs',
  indexes: [...DOC_INDEXES, ...VERSION_INDEXES, ...COLLAB_INDEXES],
  create(ctx) {
    const docs = createDocsRepo(ctx.store);
    const collab = createCollab(ctx, docs);
    const deps: DocsDeps = { ctx, docs, versions: createVersionsRepo(ctx.store), collab: collab.service };
    return {
      routes: () => docRoutes(deps),
      provides: { docs: createDocsPort(deps) },
      attach(server) {
        collab.attach(server);
        const stopAuto = startAutoVersions(deps);
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
