/**
 * One collection's table in the SQLite store: `(_id TEXT PRIMARY KEY, doc TEXT, bin BLOB)` (see
 * sqlite-codec), its prepared statements, and what it knows about its indexed fields. A field that has
 * ever held an array on some record is "multikey" (MongoDB's word): SQL cannot push conditions on it down,
 * so the flag is kept in the `_fields` table, set inside the same transaction as the write that made it so.
 */
import type { Database, Statement } from 'better-sqlite3';
import { DuplicateKeyError, type Doc } from './port';
import { decodeRow, encodeRow } from './sqlite-codec';
import { fieldExpr } from './sqlite-query';

/** Collection names become table names; keep them to plain identifiers (never starting with `_`). */
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export interface Row {
  _id: string;
  doc: string;
  bin: Buffer | null;
}

/** Whether any value along `path` in `record` (the end included) is an array. */
function pathHasArray(record: unknown, path: string): boolean {
  let v: unknown = record;
  for (const key of path.split('.')) {
    if (Array.isArray(v)) return true;
    if (!v || typeof v !== 'object') return false;
    v = (v as Record<string, unknown>)[key];
  }
  return Array.isArray(v);
}

/** Turns SQLite's unique-constraint errors into the port's DuplicateKeyError; rethrows the rest. */
export function translate(err: unknown): never {
  const code = (err as { code?: string }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new DuplicateKeyError((err as Error).message);
  throw err;
}

/** Creates the store's bookkeeping table (once per database). */
export function createMetaTables(db: Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS _fields (coll TEXT NOT NULL, field TEXT NOT NULL, multikey INTEGER NOT NULL, PRIMARY KEY (coll, field))');
  db.exec('CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
}

export class Table {
  readonly q: string;
  /** Indexed field -> multikey. */
  private readonly indexed = new Map<string, boolean>();
  /** Indexed fields that were never arrays, plus `_id`: what SQL may filter and sort on. */
  pushable: ReadonlySet<string> = new Set(['_id']);
  private readonly statements = new Map<string, Statement>();
  private readonly insertStmt: Statement;
  private readonly replaceStmt: Statement;
  private readonly deleteStmt: Statement;

  constructor(
    private readonly db: Database,
    readonly name: string,
  ) {
    if (!NAME.test(name)) throw new Error(`invalid collection name: ${name}`);
    this.q = `"${name}"`;
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.q} (_id TEXT PRIMARY KEY NOT NULL, doc TEXT NOT NULL, bin BLOB)`);
    for (const r of db.prepare('SELECT field, multikey FROM _fields WHERE coll = ?').all(name) as { field: string; multikey: number }[]) {
      this.indexed.set(r.field, r.multikey === 1);
    }
    this.refresh();
    this.insertStmt = db.prepare(`INSERT INTO ${this.q} (_id, doc, bin) VALUES (?, ?, ?)`);
    this.replaceStmt = db.prepare(`UPDATE ${this.q} SET doc = ?, bin = ? WHERE _id = ?`);
    this.deleteStmt = db.prepare(`DELETE FROM ${this.q} WHERE _id = ?`);
  }

  private refresh(): void {
    this.pushable = new Set(['_id', ...[...this.indexed].filter(([, multi]) => !multi).map(([f]) => f)]);
  }

  /** A cached prepared statement for `sql`. */
  stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      if (this.statements.size > 500) this.statements.clear();
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Declares `field` indexed; the first time, finds out from the stored rows whether it is multikey. */
  addIndexedField(field: string): void {
    if (field === '_id' || this.indexed.has(field)) return;
    const parts = field.split('.');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('.'));
    const anyArray = this.db
      .prepare(`SELECT 1 FROM ${this.q} WHERE ${prefixes.map((p) => `json_type(doc, '$.${p}') = 'array'`).join(' OR ')} LIMIT 1`)
      .get();
    fieldExpr(field); // throws on a path SQLite's JSON paths cannot express
    this.db.prepare('INSERT OR REPLACE INTO _fields (coll, field, multikey) VALUES (?, ?, ?)').run(this.name, field, anyArray ? 1 : 0);
    this.indexed.set(field, !!anyArray);
    this.refresh();
  }

  /** Marks indexed fields multikey when `record` holds an array on them (call inside the write's transaction). */
  private noteArrays(record: Doc): void {
    for (const [field, multi] of this.indexed) {
      if (multi || !pathHasArray(record, field)) continue;
      this.db.prepare('UPDATE _fields SET multikey = 1 WHERE coll = ? AND field = ?').run(this.name, field);
      this.indexed.set(field, true);
      this.refresh();
    }
  }

  decode<T>(row: Pick<Row, 'doc' | 'bin'>): T {
    return decodeRow<T>(row.doc, row.bin);
  }

  /** Inserts a record (inside a job); DuplicateKeyError on a clash. */
  insert(record: Doc): void {
    const { json, bin } = encodeRow(record);
    this.noteArrays(record);
    try {
      this.insertStmt.run(String(record._id), json, bin);
    } catch (err) {
      translate(err);
    }
  }

  /** Rewrites a stored record (inside a job); DuplicateKeyError on a clash. */
  replace(record: Doc): void {
    const { json, bin } = encodeRow(record);
    this.noteArrays(record);
    try {
      this.replaceStmt.run(json, bin, String(record._id));
    } catch (err) {
      translate(err);
    }
  }

  /** Deletes a record by _id (inside a job). */
  delete(id: string): void {
    this.deleteStmt.run(id);
  }
}
