/**
 * Automatic versions, made by writes and timers, never by reads: after a document's edits are stored
 * (the collab core's "stored" hook, at most every few seconds per document; the check itself at most every
 * AFTER_EDIT_CHECK_MS) and by a periodic sweep over recently edited documents, maybeAutoVersion decides, so an edited document gets at most one automatic
 * version an hour. One check per document runs at a time (the sweep and an edit could race otherwise).
 */
import { AUTO_VERSION_EVERY_MS, maybeAutoVersion, type DocsDeps } from './commands';
import { docsUpdatedSince, type DocRecord } from './records';

export const AUTO_VERSION_SWEEP_MS = 10 * 60 * 1000;
/**
 * After edits, a document is checked at most this often: versions are hourly, so checking on every
 * stored hook (every 5 s per document being edited) read the document and its versions 12 times a
 * minute for nothing; with 1,000 documents edited at once that was a fifth of the store's reads.
 */
export const AFTER_EDIT_CHECK_MS = 5 * 60 * 1000;
/** Documents whose last check time is kept (a bound on memory; forgetting one only means an early check). */
const CHECKED_MAX = 20_000;

/** The hourly check, one at a time per document; a document already being checked is skipped. */
export function createAutoVersioner(d: DocsDeps) {
  const running = new Set<string>();
  /** docId -> when an edit last ran its check (ctx.now()). */
  const checkedAt = new Map<string, number>();

  /** Runs the check; null when one is already running for the document (nothing was checked). */
  async function check(doc: DocRecord): Promise<boolean | null> {
    if (running.has(doc._id)) return null;
    running.add(doc._id);
    try {
      return (await maybeAutoVersion(d, doc)) !== null;
    } catch (err) {
      d.ctx.logger.warn({ err, docId: doc._id }, 'automatic version failed');
      return false;
    } finally {
      running.delete(doc._id);
    }
  }

  return {
    /** A document's edits were just stored: checks it (errors are logged, never thrown). */
    async afterEdit(docId: string): Promise<void> {
      const now = d.ctx.now();
      const last = checkedAt.get(docId);
      if (last !== undefined && now - last < AFTER_EDIT_CHECK_MS && now >= last) return;
      try {
        const doc = await d.docs.byId(docId);
        if (!doc || doc.archived) return;
        // Only a check that ran counts: one skipped because another was still running (the previous
        // hour's, finishing its thinning) must not hold the next edit's check back.
        if ((await check(doc)) === null) return;
        if (checkedAt.size >= CHECKED_MAX) checkedAt.clear();
        checkedAt.set(docId, now);
      } catch (err) {
        d.ctx.logger.warn({ err, docId }, 'automatic version check failed');
      }
    },
    /** One sweep: every document edited in the last two hours gets the check; returns how many versions it made. */
    async sweep(): Promise<number> {
      const since = new Date(d.ctx.now() - 2 * AUTO_VERSION_EVERY_MS);
      let made = 0;
      for (const doc of await docsUpdatedSince(d.ctx.store, since)) if ((await check(doc)) === true) made++;
      return made;
    },
  };
}

export type AutoVersioner = ReturnType<typeof createAutoVersioner>;

/** Starts the sweep timer; returns a stop function. The timer never keeps the process alive. */
export function startAutoVersions(auto: AutoVersioner, logger: DocsDeps['ctx']['logger'], everyMs = AUTO_VERSION_SWEEP_MS, jobs?: DocsDeps['ctx']['jobs']): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    // Once per cluster: the process holding the job's lease sweeps (two sweeps could version twice).
    (jobs ? jobs.mine('auto-versions', everyMs) : Promise.resolve(true))
      .then((mine) => (mine ? auto.sweep() : 0))
      .catch((err) => logger.error({ err }, 'automatic version sweep failed'))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
