/**
 * The SQLite store's group commit, on a real database file: the writes of one turn share one transaction,
 * writes made while a group runs form the next one, a failing write is undone alone, a failing COMMIT
 * acknowledges nothing of its group. Then through the embedded store: 500 concurrent inserts all land and
 * survive a reopen, a duplicate among them is refused alone.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../server/store/embedded';
import { DuplicateKeyError } from '../../server/store/port';
import { commitQueue } from '../../server/store/sqlite-commit';
import { tempDir } from '../helpers/server';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function database() {
  const dir = tempDir('group-commit-');
  dirs.push(dir);
  const db = new Database(path.join(dir, 'g.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY)');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)');
  db.exec('INSERT INTO parent VALUES (1)');
  return db;
}
const count = (db: Database.Database) => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;

describe('group commit', () => {
  it('the writes of one turn share one transaction; writes made meanwhile share the next', async () => {
    const db = database();
    const q = commitQueue(db);
    const insert = db.prepare('INSERT INTO t (id, p) VALUES (?, 1)');
    const later: Promise<unknown>[] = [];
    const first = Array.from({ length: 50 }, (_, i) =>
      q.enqueue(() => {
        // A write issued while this group runs must wait for the next group.
        if (i === 0) later.push(q.enqueue(() => insert.run(1000)), q.enqueue(() => insert.run(1001)));
        return insert.run(i + 1).changes;
      }),
    );
    expect(count(db)).toBe(0); // nothing runs before the end of the turn
    expect(await Promise.all(first)).toEqual(Array(50).fill(1));
    expect(q.groups).toBe(1);
    expect(count(db)).toBe(50); // resolved only once committed
    await Promise.all(later);
    expect(q.groups).toBe(2);
    expect(count(db)).toBe(52);
    db.close();
  });

  it('a failing write is undone alone; the rest of its group commits', async () => {
    const db = database();
    const q = commitQueue(db);
    const insert = db.prepare('INSERT INTO t (id, p) VALUES (?, 1)');
    const results = await Promise.allSettled([
      q.enqueue(() => insert.run(1)),
      q.enqueue(() => {
        insert.run(2);
        insert.run(1); // clashes: the whole job, its first insert included, is undone
      }),
      q.enqueue(() => insert.run(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(q.groups).toBe(1);
    expect((db.prepare('SELECT id FROM t ORDER BY id').all() as { id: number }[]).map((r) => r.id)).toEqual([1, 3]);
    db.close();
  });

  it('a COMMIT that fails acknowledges nothing of its group and keeps nothing; the next group still runs', async () => {
    const db = database();
    const q = commitQueue(db);
    const insert = db.prepare('INSERT INTO t (id, p) VALUES (?, ?)');
    // A deferred foreign key is checked at COMMIT: the statement succeeds, the COMMIT fails.
    const results = await Promise.allSettled([q.enqueue(() => insert.run(1, 1)), q.enqueue(() => insert.run(2, 99))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.code).toBe('SQLITE_CONSTRAINT_FOREIGNKEY');
    expect(count(db)).toBe(0);
    expect(db.inTransaction).toBe(false);
    await q.enqueue(() => insert.run(3, 1));
    expect(count(db)).toBe(1);
    db.close();
  });
});

describe('group commit with its own sync of the WAL (synchronous=NORMAL)', () => {
  function walDatabase() {
    const db = database();
    db.pragma('synchronous = NORMAL');
    return { db, wal: `${db.name}-wal` };
  }

  it('acknowledges a group only after the WAL is synced; writes queued during a sync share the next group', async () => {
    const { db, wal } = walDatabase();
    const q = commitQueue(db, wal);
    const insert = db.prepare('INSERT INTO t (id, p) VALUES (?, 1)');
    // One write per turn of the event loop: without the sync it would be 300 groups. Each group waits
    // for the sync before it, so there are fewer, and each has its own sync.
    const acks: Promise<unknown>[] = [];
    let ackedEarly = 0;
    for (let i = 1; i <= 300; i++) {
      const groupsBefore = q.groups;
      acks.push(
        q.enqueue(() => insert.run(i)).then(() => {
          // Settled only after a sync that started after this write's COMMIT.
          if (q.syncs <= groupsBefore) ackedEarly++;
        }),
      );
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(acks);
    expect(count(db)).toBe(300);
    expect(ackedEarly).toBe(0);
    expect(q.syncs).toBe(q.groups);
    expect(q.groups).toBeLessThan(300);
    await q.drain();
    db.close();
  });

  it('more writes at once than one group carries: every one is synced and acknowledged', async () => {
    const { db, wal } = walDatabase();
    const q = commitQueue(db, wal);
    const insert = db.prepare('INSERT INTO t (id, p) VALUES (?, 1)');
    // 4,000 at once: two full groups of 2,000, the second committed while the first syncs, with
    // nothing queued behind it when that sync returns.
    await Promise.all(Array.from({ length: 4000 }, (_, i) => q.enqueue(() => insert.run(i + 1))));
    expect(count(db)).toBe(4000);
    expect(q.groups).toBe(2);
    await q.drain();
    db.close();
  }, 15_000);

  it('a WAL that cannot be synced acknowledges nothing, then or later (no retry after an fsync error)', async () => {
    const { db } = walDatabase();
    const q = commitQueue(db, path.join(path.dirname(db.name), 'missing', 'g.sqlite-wal'));
    const insert = db.prepare('INSERT INTO t (id, p) VALUES (?, 1)');
    const first = await Promise.allSettled([q.enqueue(() => insert.run(1)), q.enqueue(() => insert.run(2))]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((first[0] as PromiseRejectedResult).reason.code).toBe('ENOENT');
    await expect(q.enqueue(() => insert.run(3))).rejects.toMatchObject({ code: 'ENOENT' });
    db.close();
  });
});

describe('embedded store under concurrent writes', () => {
  it('500 concurrent inserts all land and survive a reopen; a duplicate among them is refused alone', async () => {
    const dir = tempDir('combine-');
    dirs.push(dir);
    const store = await openEmbeddedStore(dir);
    await store.ensureIndexes([{ collection: 'log', fields: { doc: 1, seq: 1 }, unique: true }]);
    const log = store.collection<{ _id: string; doc: string; seq: number }>('log');
    const docs = Array.from({ length: 500 }, (_, i) => ({ _id: `r${i}`, doc: `d${i % 50}`, seq: Math.floor(i / 50) }));
    const dup = { _id: 'clash', doc: 'd7', seq: 3 }; // same (doc, seq) as r157
    const results = await Promise.allSettled([...docs, dup].map((d) => log.insertOne(d)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(500);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toBeInstanceOf(DuplicateKeyError);
    await store.close();
    const again = await openEmbeddedStore(dir);
    expect(await again.collection('log').count({})).toBe(500);
    expect(await again.collection('log').findOne({ _id: 'clash' })).toBeNull();
    await again.close();
  });
});
