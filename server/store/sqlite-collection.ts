/**
 * The port's Collection over one SQLite table. Reads: the SQL pre-filter (sqlite-query) picks candidate
 * rows, mingo decides which match, and sort/skip/limit run in SQL order when SQL can sort in MongoDB's
 * order (stopping as soon as the page is full), else in mingo. Writes: queued as jobs of the next group
 * commit (sqlite-commit), where they read, decide and write synchronously inside one transaction, so a
 * conditional update is atomic; updates apply MongoDB's update operators with mingo's updater.
 */
import { randomUUID } from 'node:crypto';
import { find as mingoFind } from 'mingo';
import { Context } from 'mingo/core';
import * as queryOperators from 'mingo/operators/query';
import { Query } from 'mingo/query';
import { $addToSet, $inc, $pull, $push, $set, $unset } from 'mingo/operators/update';
import type { BulkUpdateOp, Collection, Doc, Filter, FindOptions, SortSpec, Update } from './port';
import type { Enqueue } from './sqlite-commit';
import { planFilter, planSort } from './sqlite-query';
import type { Row, Table } from './sqlite-table';

/** The port's update operators (port.ts `Update`), as mingo implements them. */
type UpdateOperator = (expr: never) => (obj: Record<string, unknown>) => string[];
const UPDATE_OPERATORS: Record<string, UpdateOperator> = { $set, $unset, $inc, $push, $addToSet, $pull } as Record<string, UpdateOperator>;

/**
 * Applies `update`'s operators to `record` in place, in their order, with mingo's update operators
 * called directly: its `update()` entry builds and copies operator tables on every call (~50-130 us,
 * more than the SQL of a one-row update), the operators themselves carry prebuilt options.
 */
function applyModifier(record: Doc, update: Update): void {
  for (const [op, expr] of Object.entries(update)) {
    const fn = UPDATE_OPERATORS[op];
    if (!fn) throw new Error(`Unknown update operator: '${op}'.`);
    fn(expr as never)(record as unknown as Record<string, unknown>);
  }
}

/**
 * mingo's query operators only: `new Query` copies its context's operator tables, and the default
 * context of the `mingo` entry point holds every operator of the aggregation language too (hundreds):
 * copying those for each read and write was a tenth of the server's time with many small writes.
 * Filters through the port use query operators only; an unknown one is still refused.
 */
const QUERY_CONTEXT = Context.init({ query: queryOperators });
const compile = (filter: Filter) => new Query(filter, { context: QUERY_CONTEXT });

/** A record built from a filter's equality conditions, the start of an upsert (as MongoDB does). */
function seedFromFilter(filter: Filter): Doc {
  const seed: Record<string, unknown> = {};
  const visit = (f: Filter) => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) v.forEach((x) => visit(x as Filter));
      if (k.startsWith('$')) continue;
      const isOps = v && typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array) && !Array.isArray(v) && Object.keys(v).some((x) => x.startsWith('$'));
      if (!isOps) seed[k] = v;
      else if ('$eq' in (v as object)) seed[k] = (v as { $eq: unknown }).$eq;
    }
  };
  visit(filter);
  // mingo's $set (which expands dotted paths) refuses _id, as MongoDB's does: it is copied directly.
  const { _id, ...rest } = seed;
  const record = (_id === undefined ? {} : { _id }) as Doc;
  if (Object.keys(rest).length) applyModifier(record, { $set: rest });
  return record;
}

export class SqliteCollection<T extends Doc> implements Collection<T> {
  constructor(
    private readonly t: Table,
    private readonly enqueue: Enqueue,
  ) {}

  /**
   * Matching records in SQL order: `sorted` is false when the sort could not be done in SQL (the caller
   * sorts). `stopAfter` ends the scan early when only that many are needed (only when `sorted`).
   */
  private scan(filter: Filter, sort: SortSpec | undefined, stopAfter = Infinity): { docs: T[]; sorted: boolean } {
    const query = compile(filter); // throws on an unknown operator, before any row is read
    const plan = planFilter(filter, this.t.pushable);
    const order = planSort(sort, this.t.pushable);
    const limit = order === null ? Infinity : stopAfter;
    const docs: T[] = [];
    if (limit <= 0) return { docs, sorted: true };
    const sql = `SELECT doc, bin FROM ${this.t.q} WHERE ${plan.where} ORDER BY ${order ?? 'rowid'}`;
    for (const row of this.t.stmt(sql).iterate(...plan.params) as IterableIterator<Row>) {
      const record = this.t.decode<T>(row);
      if (!query.test(record as never)) continue;
      docs.push(record);
      if (docs.length >= limit) break;
    }
    return { docs, sorted: order !== null };
  }

  /** What `find` returns, synchronously (also used inside write jobs). */
  private findNow(filter: Filter, options: FindOptions = {}): T[] {
    const skip = options.skip ?? 0;
    const want = options.limit ? skip + options.limit : Infinity;
    const { docs, sorted } = this.scan(filter, options.sort, want);
    if (sorted) return docs.slice(skip, want);
    let cursor = mingoFind(docs, {}).sort(options.sort as Record<string, 1 | -1>);
    if (skip) cursor = cursor.skip(skip);
    if (options.limit) cursor = cursor.limit(options.limit);
    return cursor.all() as T[];
  }

  /** Applies `update` to `record` in place; refuses to change `_id`, as MongoDB does. */
  private apply(record: T, update: Update): T {
    const id = record._id;
    applyModifier(record, update);
    if (record._id !== id) throw new Error("Performing an update on the path '_id' would modify the immutable field '_id'");
    return record;
  }

  /** Updates up to `max` matches inside a job; returns the updated records. */
  private updateNow(filter: Filter, update: Update, max: number): T[] {
    const matches = this.scan(filter, undefined, max).docs.slice(0, max);
    for (const record of matches) this.t.replace(this.apply(record, update));
    return matches;
  }

  async insertOne(doc: T): Promise<void> {
    // One INSERT (noteArrays may first mark a field multikey: harmless if the insert then fails).
    await this.enqueue(() => this.t.insert(doc), { single: true });
  }

  /** Ordered, like MongoDB's: on a failure the records before it stay stored, it and the rest are not. */
  async insertMany(docs: T[]): Promise<void> {
    if (docs.length === 0) return;
    const failure = await this.enqueue(() => {
      for (const doc of docs) {
        try {
          this.t.insert(doc);
        } catch (err) {
          return { err };
        }
      }
      return null;
    });
    if (failure) throw failure.err;
  }

  async findOne(filter: Filter): Promise<T | null> {
    return this.scan(filter, undefined, 1).docs[0] ?? null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return this.findNow(filter, options);
  }

  async count(filter: Filter): Promise<number> {
    if (Object.keys(filter).length === 0) return (this.t.stmt(`SELECT count(*) AS n FROM ${this.t.q}`).get() as { n: number }).n;
    return this.scan(filter, undefined).docs.length;
  }

  async updateOne(filter: Filter, update: Update, options: { upsert?: boolean } = {}): Promise<number> {
    return this.enqueue(() => {
      if (this.updateNow(filter, update, 1).length) return 1;
      if (!options.upsert) return 0;
      const record = this.apply(seedFromFilter(filter) as T, update);
      if (record._id === undefined) record._id = randomUUID();
      this.t.insert(record);
      return 1;
    });
  }

  async updateMany(filter: Filter, update: Update): Promise<number> {
    return this.enqueue(() => this.updateNow(filter, update, Infinity).length);
  }

  /** One job of one group commit; stops at the first failure, keeping the updates before it (ordered). */
  async bulkUpdate(ops: BulkUpdateOp[]): Promise<number> {
    if (ops.length === 0) return 0;
    const done = await this.enqueue(() => {
      let matched = 0;
      for (const op of ops) {
        try {
          matched += this.updateNow(op.filter, op.update, 1).length;
        } catch (err) {
          return { matched, err };
        }
      }
      return { matched, err: null };
    });
    if (done.err) throw done.err;
    return done.matched;
  }

  async findOneAndUpdate(filter: Filter, update: Update): Promise<T | null> {
    return this.enqueue(() => this.updateNow(filter, update, 1)[0] ?? null);
  }

  async deleteOne(filter: Filter): Promise<number> {
    return this.enqueue(() => this.deleteNow(filter, 1));
  }

  async deleteMany(filter: Filter): Promise<number> {
    return this.enqueue(() => this.deleteNow(filter, Infinity));
  }

  private deleteNow(filter: Filter, max: number): number {
    const ids = this.scan(filter, undefined, max).docs.slice(0, max).map((d) => String(d._id));
    for (const id of ids) this.t.delete(id);
    return ids.length;
  }
}
