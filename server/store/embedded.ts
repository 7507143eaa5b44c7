/**
 * The embedded store: one SQLite database file, DATA_DIR/collaboratory.sqlite (better-sqlite3), in WAL
 * mode; a write is acknowledged only after the WAL holding its commit is fdatasynced (synchronous=NORMAL
 * plus one sync of the WAL per group on the thread pool, sqlite-commit: as durable as FULL, without
 * blocking the event loop on the disk). One table per collection (sqlite-table), writes grouped into one
 * transaction per turn of the event loop (sqlite-commit), expression indexes for the declared IndexSpecs, TTL by a periodic sweep (SQLite has
 * none). Only what the queries touch is read from the disk; nothing is held in memory per record.
 * A DATA_DIR left by the earlier NeDB store is imported at the first start (nedb-import).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../logger';
import { importNedbDir } from './nedb-import';
import type { Collection, Doc, IndexSpec, Store } from './port';
import { commitQueue } from './sqlite-commit';
import { DATE_LOW, dateText } from './sqlite-codec';
import { SqliteCollection } from './sqlite-collection';
import { fieldExpr } from './sqlite-query';
import { createMetaTables, Table, translate } from './sqlite-table';

/** The database file's name inside DATA_DIR. */
export const SQLITE_FILE = 'collaboratory.sqlite';

export interface EmbeddedOptions {
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** How often expired records (TTL indexes) are deleted; MongoDB's own monitor runs every 60 s. */
  ttlSweepMs?: number;
}

/** Whether the store can list its collections (the embedded one can; used by `npm run migrate`). */
export interface ListableStore extends Store {
  listCollections(): Promise<string[]>;
}

/** Opens (or creates) the embedded store under `dataDir`, importing NeDB files found there first. */
export async function openEmbeddedStore(dataDir: string, options: EmbeddedOptions = {}): Promise<ListableStore> {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, SQLITE_FILE);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // Commits are made durable by the commit queue's own sync of the WAL (sqlite-commit), not inside COMMIT.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Keep the planner's statistics current (SQLite's recommended use of PRAGMA optimize at open).
  db.pragma('optimize = 0x10002');
  createMetaTables(db);
  await importNedbDir(db, dataDir, options.logger);

  const queue = commitQueue(db, `${file}-wal`);
  const tables = new Map<string, Table>();
  const collections = new Map<string, Collection<Doc>>();
  const ttl: { table: Table; field: string; seconds: number }[] = [];
  const table = (name: string) => {
    let t = tables.get(name);
    if (!t) {
      t = new Table(db, name);
      tables.set(name, t);
    }
    return t;
  };

  /** Deletes records whose TTL field (a Date) is older than its index allows, as MongoDB's TTL monitor does. */
  const sweep = () =>
    queue.enqueue(() => {
      for (const { table: t, field, seconds } of ttl) {
        const expr = fieldExpr(field);
        const cutoff = dateText(new Date(Date.now() - seconds * 1000));
        db.prepare(`DELETE FROM ${t.q} WHERE ${expr} >= ? AND ${expr} < ?`).run(DATE_LOW, cutoff);
      }
    });
  let sweeps = 0;
  const sweeper = setInterval(() => {
    void sweep().catch((err) => options.logger?.warn({ err }, 'TTL sweep failed'));
    if (++sweeps % 60 === 0) db.pragma('optimize'); // about hourly: statistics follow the data
  }, options.ttlSweepMs ?? 60_000);
  sweeper.unref();
  let closed = false;

  return {
    kind: 'embedded',
    collection<T extends Doc>(name: string): Collection<T> {
      let c = collections.get(name);
      if (!c) {
        c = new SqliteCollection<Doc>(table(name), queue.enqueue);
        collections.set(name, c);
      }
      return c as unknown as Collection<T>;
    },
    async ensureIndexes(specs: IndexSpec[]) {
      await queue
        .enqueue(() => {
          for (const spec of specs) {
            const t = table(spec.collection);
            const fields = Object.entries(spec.fields);
            const name = `ix_${spec.collection}_${fields.map(([f, d]) => `${f.replace(/\./g, '_')}_${d === -1 ? 'd' : 'a'}`).join('_')}${spec.unique ? '_u' : ''}`;
            // Non-unique indexes end with _id, so "these records, newest id first" (history pages) is
            // read straight from the index, without sorting every record of the prefix.
            const cols = [...fields.map(([f, d]) => `${fieldExpr(f)}${d === -1 ? ' DESC' : ''}`), ...(spec.unique || fields.some(([f]) => f === '_id') ? [] : ['_id'])].join(', ');
            db.exec(`CREATE ${spec.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS "${name}" ON ${t.q} (${cols})`);
            for (const [f] of fields) t.addIndexedField(f);
            if (spec.expireAfterSeconds !== undefined && !ttl.some((x) => x.table === t && x.field === fields[0]![0])) {
              ttl.push({ table: t, field: fields[0]![0], seconds: spec.expireAfterSeconds });
            }
          }
        })
        .catch(translate);
      db.pragma('optimize');
      if (ttl.length) await sweep();
    },
    async listCollections() {
      const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name").all() as { name: string }[];
      return rows.map((r) => r.name);
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      await queue.drain();
      db.close();
    },
  };
}
