/**
 * The library feature (issue 15): publications with frozen, versioned content, search, remix, reviews
 * and the student-information check. Its only coupling to documents is `LibraryDocs` (docs-port.ts),
 * built once here.
 */
import type { Feature } from '../feature';
import { createLimiter } from '../http/rate-limit';
import type { LibraryDeps } from './deps';
import { libraryDocs } from './docs-port';
import { createLibraryRepo, LIBRARY_INDEXES } from './records';
import { libraryRoutes } from './routes';
import { librarySpaceData } from './space-data';

export const libraryFeature: Feature = {
  name: 'library',
  indexes: LIBRARY_INDEXES,
  create(ctx, ports) {
    const deps: LibraryDeps = {
      ctx,
      repo: createLibraryRepo(ctx.store),
      docs: libraryDocs(ports.docs),
      reviewLimiter: createLimiter(5, 60, 'You are reviewing very quickly. Please wait a minute and try again.'),
      writeLimiter: createLimiter(30, 60, 'Too many publishes or remixes. Please wait a minute and try again.'),
    };
    ports.spaceData?.register(librarySpaceData(ctx.store));
    return {
      routes: () => libraryRoutes(deps),
      // Frozen contents a crash left without their version (see records.ts).
      repair: async () => void (await deps.repo.repair(new Date(ctx.now()))),
    };
  },
};
