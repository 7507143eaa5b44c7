/**
 * Group commit for the SQLite adapter. Every write is queued as a job; at the end of the current turn of
 * the event loop (setImmediate) all queued jobs run in ONE transaction, each inside its own savepoint so a
 * failing job (a unique-index clash) is undone alone, then COMMIT makes them durable together (WAL with
 * synchronous=FULL: the commit returns after the log is fsynced). Only then does any job's promise
 * settle: nothing is acknowledged before it is on the disk, and if the COMMIT fails (disk full, read-only
 * file) every job of the group is rejected and nothing of it stays. Writes that arrive while a group runs
 * (better-sqlite3 is synchronous, so they wait in the event loop's queues) form the next group.
 * Reads run between groups, so they only ever see committed data.
 */
import type { Database } from 'better-sqlite3';

/** Runs `job` in the next group transaction; resolves with its result once that transaction is durable. */
export type Enqueue = <R>(job: () => R) => Promise<R>;

interface Job {
  run: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export interface CommitQueue {
  enqueue: Enqueue;
  /** Runs the queued group now (used by close); resolves when it has settled. */
  drain(): Promise<void>;
  /** Groups committed so far (for tests and the benchmark). */
  readonly groups: number;
}

/** Most jobs one transaction carries; the rest form the next group at once. */
const MAX_GROUP = 2000;

/** Creates the group-commit queue over an open database. */
export function commitQueue(db: Database): CommitQueue {
  let queue: Job[] = [];
  let scheduled = false;
  let groups = 0;
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const savepoint = db.prepare('SAVEPOINT job');
  const release = db.prepare('RELEASE job');
  const rollbackTo = db.prepare('ROLLBACK TO job');

  function runGroup(): void {
    scheduled = false;
    const jobs = queue.slice(0, MAX_GROUP);
    queue = queue.slice(jobs.length);
    if (queue.length) schedule();
    if (jobs.length === 0) return;
    const results: { ok: boolean; value: unknown }[] = [];
    try {
      begin.run();
      for (const job of jobs) {
        savepoint.run();
        try {
          results.push({ ok: true, value: job.run() });
          release.run();
        } catch (err) {
          rollbackTo.run();
          release.run();
          results.push({ ok: false, value: err });
        }
      }
      commit.run();
      groups++;
    } catch (err) {
      // The group as a whole failed (I/O error, disk full, read-only): undo it, acknowledge nothing.
      if (db.inTransaction) {
        try {
          db.exec('ROLLBACK');
        } catch {
          // SQLite may already have rolled back on its own after an I/O error.
        }
      }
      for (const job of jobs) job.reject(err);
      return;
    }
    jobs.forEach((job, i) => (results[i]!.ok ? job.resolve(results[i]!.value) : job.reject(results[i]!.value)));
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(runGroup);
  }

  return {
    enqueue<R>(run: () => R): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
        schedule();
      });
    },
    async drain() {
      while (queue.length) runGroup();
    },
    get groups() {
      return groups;
    },
  };
}
