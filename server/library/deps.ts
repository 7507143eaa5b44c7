/** What every library command receives: the app context, the library's repository, its door to documents, its limits. */
import type { Ctx } from '../context';
import type { Limiter } from '../http/rate-limit';
import type { LibraryDocs } from './docs-port';
import type { LibraryRepo } from './records';

export interface LibraryDeps {
  ctx: Ctx;
  repo: LibraryRepo;
  docs: LibraryDocs;
  /** Reviews per user (a burst, then a few a minute). */
  reviewLimiter: Limiter;
  /** Publishes and remixes per user (each freezes or copies a whole document). */
  writeLimiter: Limiter;
}
