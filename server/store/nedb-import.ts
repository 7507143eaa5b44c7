/**
 * One-time import of a DATA_DIR written by the earlier NeDB store into the SQLite database. NeDB's files
 * (`<collection>.db`) are append-only logs, one JSON line per write: a record (it replaces any earlier line
 * with the same _id), `{"$$deleted": true, "_id"}`, or index bookkeeping (`$$indexCreated` /
 * `$$indexRemoved`). Dates are `{"$$date": ms}`, binary values `{"__bin": base64}` (our old adapter's
 * encoding). The lines are replayed in order into one transaction, streaming, so memory stays small; the
 * live count of each collection is checked against what the replay saw; the commit records the import in
 * `_meta`; only then are the old files moved aside into DATA_DIR/nedb-migrated-<time>/ (kept, never
 * deleted). A crash before the commit leaves the old files in place and nothing imported, so the next
 * start imports again; a crash after it finds the mark and only moves the files.
 */
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Database } from 'better-sqlite3';
import type { Logger } from '../logger';
import { encodeRow } from './sqlite-codec';
import { Table } from './sqlite-table';

const MARK = 'nedb_import';

/** Turns a NeDB line's values back into ours: `$$date` -> Date, `__bin` -> Uint8Array. */
function fromNedb(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromNedb);
  if (v && typeof v === 'object') {
    const rec = v as Record<string, unknown>;
    const keys = Object.keys(rec);
    if (keys.length === 1 && keys[0] === '$$date') return new Date(rec.$$date as number);
    if (keys.length === 1 && keys[0] === '__bin' && typeof rec.__bin === 'string') return new Uint8Array(Buffer.from(rec.__bin, 'base64'));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(rec)) out[k] = fromNedb(x);
    return out;
  }
  return v;
}

/** Collections renamed since the NeDB release: a sign-in's record is a login now (`sessions` meant two things). */
export const RENAMED_COLLECTIONS: Readonly<Record<string, string>> = { sessions: 'logins' };
const renamed = (name: string) => RENAMED_COLLECTIONS[name] ?? name;

/** NeDB data files in `dir`: `x.db`, or `x.db~` alone (NeDB crashed while compacting x; it uses the `~` file then). */
export function nedbFiles(dir: string): { collection: string; file: string }[] {
  const names = new Set(readdirSync(dir));
  const out: { collection: string; file: string }[] = [];
  for (const n of [...names].sort()) {
    if (n.endsWith('.db')) out.push({ collection: renamed(n.slice(0, -3)), file: n });
    else if (n.endsWith('.db~') && !names.has(n.slice(0, -1))) out.push({ collection: renamed(n.slice(0, -4)), file: n });
  }
  return out;
}

/** Replays one NeDB file into its table (inside the caller's transaction); returns live and skipped counts. */
async function replay(db: Database, file: string, collection: string): Promise<{ records: number; skipped: number }> {
  const t = new Table(db, collection);
  const upsert = db.prepare(`INSERT INTO ${t.q} (_id, doc, bin) VALUES (?, ?, ?) ON CONFLICT(_id) DO UPDATE SET doc = excluded.doc, bin = excluded.bin`);
  const remove = db.prepare(`DELETE FROM ${t.q} WHERE _id = ?`);
  const live = new Set<string>();
  let skipped = 0;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      skipped++; // a torn last line from a crash, or damage; the original file is kept aside
      continue;
    }
    if ('$$indexCreated' in rec || '$$indexRemoved' in rec) continue;
    if (typeof rec._id !== 'string') {
      skipped++;
      continue;
    }
    if (rec.$$deleted === true) {
      remove.run(rec._id);
      live.delete(rec._id);
      continue;
    }
    const { json, bin } = encodeRow(fromNedb(rec) as object);
    upsert.run(rec._id, json, bin);
    live.add(rec._id);
  }
  const stored = (db.prepare(`SELECT count(*) AS n FROM ${t.q}`).get() as { n: number }).n;
  if (stored !== live.size) throw new Error(`NeDB import of ${collection}: ${live.size} live records in the file but ${stored} stored`);
  return { records: stored, skipped };
}

/** Imports NeDB files found in `dataDir` (once), then moves them aside. Does nothing when there are none. */
export async function importNedbDir(db: Database, dataDir: string, logger?: Pick<Logger, 'info' | 'warn'>): Promise<void> {
  const files = nedbFiles(dataDir);
  if (files.length === 0) return;
  const done = db.prepare('SELECT value FROM _meta WHERE key = ?').get(MARK) as { value: string } | undefined;
  const counts: Record<string, number> = {};
  let skipped = 0;
  if (!done) {
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const { collection, file } of files) {
        const r = await replay(db, path.join(dataDir, file), collection);
        counts[collection] = r.records;
        skipped += r.skipped;
      }
      db.prepare('INSERT INTO _meta (key, value) VALUES (?, ?)').run(MARK, JSON.stringify({ at: new Date().toISOString(), counts, skipped }));
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }
  const aside = path.join(dataDir, `nedb-migrated-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(aside, { recursive: true });
  for (const { file } of files) {
    renameSync(path.join(dataDir, file), path.join(aside, file));
    if (existsSync(path.join(dataDir, `${file}~`))) renameSync(path.join(dataDir, `${file}~`), path.join(aside, `${file}~`));
  }
  if (done) {
    logger?.info({ movedTo: aside }, 'NeDB files were already imported into SQLite; moved the leftover files aside');
    return;
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  logger?.info(
    { collections: counts, records: total, skippedLines: skipped, movedTo: aside },
    `Imported the NeDB data directory into SQLite: ${total} records in ${files.length} collections, counts checked${skipped ? `, ${skipped} unreadable lines skipped` : ''}; old files kept in ${aside}`,
  );
}
