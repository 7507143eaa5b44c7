/**
 * The storage port. Repositories are written once against this interface; the embedded (SQLite) and
 * MongoDB adapters only translate. Filters and updates use the subset of MongoDB's query language that
 * both engines implement identically: equality, $in, $nin, $ne, $lt, $lte, $gt, $gte, $exists, $regex,
 * $or, $and; updates $set, $unset, $inc, $push, $addToSet, $pull.
 */

export type Filter = Record<string, unknown>;
export type SortSpec = Record<string, 1 | -1>;

export interface FindOptions {
  sort?: SortSpec;
  limit?: number;
  skip?: number;
}

export interface Update {
  $set?: Record<string, unknown>;
  $unset?: Record<string, true | ''>;
  $inc?: Record<string, number>;
  $push?: Record<string, unknown>;
  $addToSet?: Record<string, unknown>;
  $pull?: Record<string, unknown>;
}

export interface Doc {
  _id: string;
}

export interface Collection<T extends Doc> {
  /** Inserts one document; throws DuplicateKeyError on a unique-index violation. */
  insertOne(doc: T): Promise<void>;
  /** Inserts several documents in one store write (ordered). */
  insertMany(docs: T[]): Promise<void>;
  findOne(filter: Filter): Promise<T | null>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  count(filter: Filter): Promise<number>;
  /** Updates the first match; returns how many matched (0 or 1). */
  updateOne(filter: Filter, update: Update, options?: { upsert?: boolean }): Promise<number>;
  updateMany(filter: Filter, update: Update): Promise<number>;
  /** Atomically updates the first match and returns it as it is after the update, or null if none matched. */
  findOneAndUpdate(filter: Filter, update: Update): Promise<T | null>;
  deleteOne(filter: Filter): Promise<number>;
  deleteMany(filter: Filter): Promise<number>;
  /**
   * Applies each `updateOne` of `ops` (no upsert) in one store write: one transaction on SQLite, one
   * ordered bulk write on MongoDB. Ordered, like insertMany: on a failure the ops before it stay applied,
   * it and the rest are not. Returns how many matched in all.
   */
  bulkUpdate(ops: BulkUpdateOp[]): Promise<number>;
}

/** One `updateOne` of a `bulkUpdate`. */
export interface BulkUpdateOp {
  filter: Filter;
  update: Update;
}

export interface IndexSpec {
  collection: string;
  fields: Record<string, 1 | -1>;
  unique?: boolean;
  /** Documents whose first indexed field (a Date) is older than this are removed by the engine. */
  expireAfterSeconds?: number;
}

export interface Store {
  readonly kind: 'embedded' | 'mongodb';
  collection<T extends Doc>(name: string): Collection<T>;
  ensureIndexes(specs: IndexSpec[]): Promise<void>;
  /** Resolves when the store answers; rejects otherwise (used by /healthz). */
  ping(): Promise<void>;
  /** Flushes pending writes and releases files or connections. */
  close(): Promise<void>;
}

/** Thrown by adapters when a unique index would be violated. */
export class DuplicateKeyError extends Error {
  constructor(message = 'duplicate key') {
    super(message);
    this.name = 'DuplicateKeyError';
  }
}
