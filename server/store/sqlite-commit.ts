/**
 * Group commit for the SQLite adapter. Every write is queued as a job; at the end of the current turn of
 * the event loop (setImmediate) all queued jobs run in ONE transaction, each inside its own savepoint so a
 * failing job (a unique-index clash) is undone alone (a one-statement job needs none: SQLite undoes a
 * failed statement itself), then COMMIT ends it. If the COMMIT fails (disk full,
 * read-only file) every job of the group is rejected and nothing of it stays. Writes that arrive while a
 * group runs (better-sqlite3 is synchronous, so they wait in the event loop's queues) form the next group.
 * Reads run between groups, so they only ever see committed data.
 *
 * Durability. With `walFile` (the embedded store: WAL mode, synchronous=NORMAL) the COMMIT only writes the
 * group's frames to the WAL; then ONE fdatasync of the WAL file runs on libuv's thread pool, and only when
 * it returns are the group's jobs acknowledged. Writes queued while a sync runs wait for it and then form
 * the next group together: one transaction and one sync in flight at a time, however many writers (the
 * classic group commit), and the event loop never blocks on the disk (with synchronous=FULL every COMMIT fsynced inside the loop, which stalled it with
 * many small groups). Checkpoints keep SQLite's own ordering: under NORMAL it syncs the WAL before copying
 * it into the database and the database before the WAL is reused, so a frame synced here stays durable.
 * A failed sync fails every later write too (after an fsync error the kernel may have dropped the pages:
 * retrying could acknowledge lost data); the process must restart. Without `walFile` the COMMIT itself
 * must be durable (synchronous=FULL) and jobs settle right after it.
 */
import { closeSync, fdatasync, openSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

/** Runs `job` in the next group transaction; resolves with its result once that transaction is durable. */
export type Enqueue = <R>(job: () => R, opts?: JobOptions) => Promise<R>;

export interface JobOptions {
  /**
   * The job runs at most ONE statement that can fail (e.g. one INSERT): SQLite undoes a failed statement
   * by itself, so the job needs no savepoint of its own (two statements fewer per write).
   */
  single?: boolean;
}

interface Job {
  run: () => unknown;
  single: boolean;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export interface CommitQueue {
  enqueue: Enqueue;
  /** Runs the queued groups now and waits for their sync (used by close); resolves when all settled. */
  drain(): Promise<void>;
  /** Groups committed so far (for tests and the benchmark). */
  readonly groups: number;
  /** Syncs of the WAL started so far (with `walFile`): groups committed during one share the next. */
  readonly syncs: number;
}

/** Most jobs one transaction carries; the rest form the next group at once. */
const MAX_GROUP = 2000;

/** Creates the group-commit queue over an open database; `walFile` makes it sync the WAL itself (above). */
export function commitQueue(db: Database, walFile?: string): CommitQueue {
  let queue: Job[] = [];
  let scheduled = false;
  let groups = 0;
  /** Committed jobs waiting for a sync that starts after their COMMIT, and their results. */
  let unsynced: { job: Job; value: unknown }[] = [];
  let syncing: Promise<void> | null = null;
  let walFd: number | null = null;
  /** Set once a sync failed: nothing more is acknowledged. */
  let broken: unknown = null;
  let syncs = 0;

  /** Runs one fdatasync of the WAL for everything committed so far, then the next if more was committed. */
  function sync(): void {
    if (syncing || unsynced.length === 0) return;
    const batch = unsynced;
    unsynced = [];
    syncs++;
    syncing = new Promise<void>((done) => {
      const finish = (err: unknown) => {
        syncing = null;
        if (err) {
          broken ??= err;
          for (const { job } of batch) job.reject(err);
        } else {
          for (const { job, value } of batch) job.resolve(value);
        }
        done();
        if (broken) for (const { job } of unsynced.splice(0)) job.reject(broken);
        // Writes that queued during the sync form the next group now (one transaction, then one sync).
        else if (queue.length) schedule();
      };
      try {
        walFd ??= openSync(walFile!, 'r');
        fdatasync(walFd, finish);
      } catch (err) {
        // Settled after `syncing` is assigned below, like a sync that failed on the thread pool.
        queueMicrotask(() => finish(err));
      }
    });
  }
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const savepoint = db.prepare('SAVEPOINT job');
  const release = db.prepare('RELEASE job');
  const rollbackTo = db.prepare('ROLLBACK TO job');

  function runGroup(): void {
    scheduled = false;
    // Never during a sync (an overflowing group scheduled the next before its own sync began): the
    // sync's end schedules it, so every committed group is covered by a sync that starts after it.
    if (syncing) return;
    const jobs = queue.slice(0, MAX_GROUP);
    queue = queue.slice(jobs.length);
    if (queue.length) schedule();
    if (jobs.length === 0) return;
    if (broken) {
      for (const job of jobs) job.reject(broken);
      return;
    }
    const results: { ok: boolean; value: unknown }[] = [];
    try {
      begin.run();
      for (const job of jobs) {
        if (job.single) {
          try {
            results.push({ ok: true, value: job.run() });
          } catch (err) {
            if (!db.inTransaction) throw err; // SQLite gave the whole transaction up: the group fails
            results.push({ ok: false, value: err });
          }
          continue;
        }
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
    if (!walFile) {
      jobs.forEach((job, i) => (results[i]!.ok ? job.resolve(results[i]!.value) : job.reject(results[i]!.value)));
      return;
    }
    // A failed job changed nothing: it is refused at once. The others wait for the WAL to be on the disk.
    jobs.forEach((job, i) => (results[i]!.ok ? unsynced.push({ job, value: results[i]!.value }) : job.reject(results[i]!.value)));
    sync();
  }

  function schedule(): void {
    // While the WAL syncs, writes wait: they go out together as one group when it returns.
    if (scheduled || syncing) return;
    scheduled = true;
    setImmediate(runGroup);
  }

  return {
    enqueue<R>(run: () => R, opts: JobOptions = {}): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        queue.push({ run, single: opts.single === true, resolve: resolve as (v: unknown) => void, reject });
        schedule();
      });
    },
    async drain() {
      while (queue.length || syncing) {
        if (syncing) await syncing;
        else runGroup();
      }
      // Closing the database removes the WAL file: our descriptor of it goes first (a later write reopens).
      if (walFd !== null) closeSync(walFd);
      walFd = null;
    },
    get groups() {
      return groups;
    },
    get syncs() {
      return syncs;
    },
  };
}
