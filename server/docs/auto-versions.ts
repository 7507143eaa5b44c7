/**
 * Automatic versions: a periodic sweep over recently edited documents (the collab core touches a
 * document's updatedAt when it stores edits) that lets maybeAutoVersion decide, so an edited document
 * gets at most one automatic version an hour. Listing versions runs the same check for that document.
 */
import { AUTO_VERSION_EVERY_MS, maybeAutoVersion, type DocsDeps } from './commands';
import { docsUpdatedSince } from './records';

export const AUTO_VERSION_SWEEP_MS = 10 * 60 * 1000;

/** One sweep: every document edited in the last two hours gets the hourly check. */
export async function sweepAutoVersions(d: DocsDeps): Promise<number> {
  const since = new Date(d.ctx.now() - 2 * AUTO_VERSION_EVERY_MS);
  let made = 0;
  for (const doc of await docsUpdatedSince(d.ctx.store, since)) {
    try {
      if (await maybeAutoVersion(d, doc)) made++;
    } catch (err) {
      d.ctx.logger.warn({ err, docId: doc._id }, 'automatic version failed');
    }
  }
  return made;
}

/** Starts the sweep timer; returns a stop function. The timer never keeps the process alive. */
export function startAutoVersions(d: DocsDeps, everyMs = AUTO_VERSION_SWEEP_MS): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepAutoVersions(d)
      .catch((err) => d.ctx.logger.error({ err }, 'automatic version sweep failed'))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
