/**
 * Filter push-down for the SQLite adapter. The SQL produced is a PRE-filter: it selects a superset of the
 * matching rows, using the expression indexes where it can, and every candidate is then checked by mingo
 * (MongoDB's query language in JS), which stays the only judge of what matches. Only simple conditions on
 * indexed fields are translated: equality, `$eq`, `$in`, and ranges with a number, string or Date bound, inside the
 * top level or `$and`. Fields that have ever held an array ("multikey", as MongoDB calls it) are never
 * translated, since `{ tags: 'x' }` also matches an array containing 'x'.
 */
import { DATE_HIGH, DATE_LOW, dateText } from './sqlite-codec';
import type { Filter, SortSpec } from './port';

/** A plain dotted path SQLite's JSON path syntax accepts as is (no array positions, no quoting). */
const SIMPLE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** The SQL expression for a field: the primary key column for `_id`, else a `json_extract` on the record. */
export function fieldExpr(field: string): string {
  if (field === '_id') return '_id';
  if (!SIMPLE_PATH.test(field)) throw new Error(`field path not supported by the SQLite adapter's indexes: ${field}`);
  return `json_extract(doc, '$.${field}')`;
}

/** Whether an indexed field can appear in the SQL at all. */
export const pathSupported = (field: string) => field === '_id' || SIMPLE_PATH.test(field);

export interface Plan {
  /** SQL condition ('1' when nothing could be pushed down). */
  where: string;
  params: unknown[];
}

/** A scalar's SQL value as `json_extract` would return it, or undefined when it has none we can compare. */
function sqlScalar(v: unknown): string | number | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date && !Number.isNaN(v.getTime())) return dateText(v);
  return undefined;
}

const isOperatorObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof RegExp) && !(v instanceof Uint8Array) &&
  Object.keys(v).length > 0 && Object.keys(v).every((k) => k.startsWith('$'));

const RANGE: Record<string, string> = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

/** Conditions for one field's value (`{ f: value }`), pushed into `out`. */
function fieldConditions(expr: string, value: unknown, out: { sql: string[]; params: unknown[] }): void {
  if (value === null) {
    out.sql.push(`${expr} IS NULL`);
    return;
  }
  if (!isOperatorObject(value)) {
    const s = sqlScalar(value);
    if (s !== undefined) {
      out.sql.push(`${expr} = ?`);
      out.params.push(s);
    }
    return;
  }
  for (const [op, arg] of Object.entries(value)) {
    if (op === '$eq') fieldConditions(expr, arg, out);
    else if (op === '$in' && Array.isArray(arg)) {
      const values = arg.filter((x) => x !== null).map(sqlScalar);
      if (values.some((x) => x === undefined)) continue;
      const nullToo = arg.includes(null);
      out.sql.push(`(${expr} IN (SELECT value FROM json_each(?))${nullToo ? ` OR ${expr} IS NULL` : ''})`);
      out.params.push(JSON.stringify(values));
    } else if (op in RANGE) {
      const bound = arg instanceof Date || typeof arg === 'string' ? sqlScalar(arg) : typeof arg === 'number' && Number.isFinite(arg) ? arg : undefined;
      if (bound === undefined) continue;
      out.sql.push(`${expr} ${RANGE[op]} ?`);
      out.params.push(bound);
      // Bracket the type so the index range stays tight: Dates among Dates, numbers below every text,
      // strings above every number. (Strings compare by UTF-8 bytes here, as in MongoDB.)
      if (arg instanceof Date) {
        out.sql.push(`${expr} >= ? AND ${expr} < ?`);
        out.params.push(DATE_LOW, DATE_HIGH);
      } else if (typeof arg === 'number') {
        out.sql.push(`${expr} < ''`);
      } else {
        out.sql.push(`${expr} >= ''`);
      }
    }
  }
}

/** Builds the SQL pre-filter for `filter`; `pushable` holds the fields that may be translated. */
export function planFilter(filter: Filter, pushable: ReadonlySet<string>): Plan {
  const out = { sql: [] as string[], params: [] as unknown[] };
  const visit = (f: Filter) => {
    for (const [key, value] of Object.entries(f)) {
      if (key === '$and' && Array.isArray(value)) for (const sub of value) visit(sub as Filter);
      else if (!key.startsWith('$') && pushable.has(key)) fieldConditions(fieldExpr(key), value, out);
    }
  };
  visit(filter);
  return { where: out.sql.length ? out.sql.join(' AND ') : '1', params: out.params };
}

/**
 * ORDER BY for a sort SQLite can do in MongoDB's order, or null when mingo must sort in memory. That holds
 * when every key is `_id` or a pushable (indexed, never-array) field: within one type, SQLite orders
 * numbers numerically, text by UTF-8 bytes (as MongoDB's simple collation does), our Date text by
 * instant, and NULL (missing) first, as MongoDB does.
 */
export function planSort(sort: SortSpec | undefined, pushable: ReadonlySet<string>): string | null {
  if (!sort || Object.keys(sort).length === 0) return 'rowid';
  const keys = Object.entries(sort);
  if (!keys.every(([k]) => k === '_id' || pushable.has(k))) return null;
  return keys.map(([k, dir]) => `${fieldExpr(k)} ${dir === -1 ? 'DESC' : 'ASC'}`).join(', ');
}
