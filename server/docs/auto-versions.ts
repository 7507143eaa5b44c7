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

/**
 * The hourly check, one at a time per document. A check asked for while one runs is not dropped: it runs
 * once more when that one ends (an edit stored while the previous hour's check was still thinning would
 * otherwise wait for the sweep).
 */
export function createAutoVersioner(d: DocsDeps) {
  /** docId -> whether another check was asked for while this one runs. */
  const running = new Map<string, boolean>();
  /** docId -> when an edit last ran its check (ctx.now()). */
  const checkedAt = new Map<string, number>();

  /** Runs the check; null when one is already running for the document (this one runs after it). */
  async function check(doc: DocRecord): Promise<boolean | null> {
    if (running.has(doc._id)) {
      running.set(doc._id, true);
      return null;
    }
    running.set(doc._id, false);
    try {
      return (await maybeAutoVersion(d, doc)) !== null;
    } catch (err) {
      d.ctx.logger.warn({ err, docId: doc._id }, 'automatic version failed');
      return false;
    } finally {
      const again = running.get(doc._id);
      running.delete(doc._id);
      if (again) void check(doc);
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
        // A check queued behind a running one (the previous hour's, finishing its thinning) runs later and
        // is not timed here: the next edit checks again.
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
