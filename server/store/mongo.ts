/**
 * MongoDB adapter: a thin translation to the official driver. Writes use `w: "majority"` so an
 * acknowledged write survives a primary failover; indexes are created at boot. It uses only what MongoDB
 * 6+ and FerretDB 1.24 (the server the tests run against) both do: no TTL indexes (FerretDB refuses them,
 * so expiry is a periodic sweep here), no transactions, no change streams. Ordered `insertMany` keeps
 * MongoDB's meaning: the records before a failing one stay, that one and the rest are not inserted.
 */
import { Binary, MongoClient, MongoServerError, type Collection as MongoCollection, type Db, type Document } from 'mongodb';
import {
  DuplicateKeyError,
  type BulkUpdateOp,
  type Collection,
  type Doc,
  type Filter,
  type FindOptions,
  type IndexSpec,
  type Store,
  type Update,
} from './port';

/** Turns driver `Binary` values back into plain Uint8Array, deeply. */
function decode(value: unknown): unknown {
  // value() honours the Binary's length; its backing buffer may be larger than the data.
  if (value instanceof Binary) return new Uint8Array(value.value());
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof RegExp)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = decode(v);
    return out;
  }
  return value;
}

/**
 * FerretDB 1.x reports a unique-index violation met by an UPDATE as InternalError (code 1) carrying its
 * backend's message, where MongoDB answers 11000 (inserts get 11000 on both).
 */
const FERRETDB_DUPLICATE = /UNIQUE constraint failed|duplicate key value violates unique constraint/;

function translateError(err: unknown): never {
  if (err instanceof MongoServerError && (err.code === 11000 || (err.code === 1 && FERRETDB_DUPLICATE.test(err.message)))) {
    throw new DuplicateKeyError(err.message);
  }
  throw err;
}

/** Runs a write; see `writeQueue`. */
type Serialize = <R>(write: () => Promise<R>) => Promise<R>;

/**
 * MongoDB updates one document atomically, so a conditional update ("take a seat while n < 4") can win
 * only once per seat. FerretDB 1.x runs update and findAndModify as a read then a separate write, so two
 * concurrent ones can both win. Against FerretDB (the test stand-in) this process's writes to a
 * collection are therefore run one at a time, which gives MongoDB's answers within one process; against
 * MongoDB writes go straight out.
 */
function writeQueue(): Serialize {
  let tail: Promise<unknown> = Promise.resolve();
  return (write) => {
    const run = tail.then(write, write);
    tail = run.catch(() => undefined);
    return run;
  };
}

const direct: Serialize = (write) => write();

/**
 * FerretDB 1.24 never answers an `update` command of 100 or more statements (measured: 99 answer, 100
 * hang), so against it a bulk update goes out in slices of this many, still in order.
 */
const FERRETDB_BULK_SLICE = 50;

class MongoAdapterCollection<T extends Doc> implements Collection<T> {
  // The port's filter type is deliberately loose; the driver's generics add nothing here.
  constructor(
    private readonly c: MongoCollection<any>,
    private readonly write: Serialize,
    private readonly bulkSlice = Infinity,
  ) {}

  async insertOne(doc: T) {
    await this.write(() => this.c.insertOne(doc)).catch(translateError);
  }
  async insertMany(docs: T[]) {
    if (docs.length) await this.write(() => this.c.insertMany(docs, { ordered: true })).catch(translateError);
  }
  async findOne(filter: Filter) {
    return decode(await this.c.findOne(filter)) as T | null;
  }
  async find(filter: Filter, o: FindOptions = {}) {
    let cur = this.c.find(filter);
    if (o.sort) cur = cur.sort(o.sort);
    if (o.skip) cur = cur.skip(o.skip);
    if (o.limit) cur = cur.limit(o.limit);
    return (await cur.toArray()).map((d) => decode(d) as T);
  }
  async count(filter: Filter) {
    return this.c.countDocuments(filter);
  }
  async updateOne(filter: Filter, update: Update, o: { upsert?: boolean } = {}) {
    const r = await this.write(() => this.c.updateOne(filter, update as Document, { upsert: o.upsert ?? false })).catch(translateError);
    return r.matchedCount + (r.upsertedCount ?? 0);
  }
  async updateMany(filter: Filter, update: Update) {
    const r = await this.write(() => this.c.updateMany(filter, update as Document)).catch(translateError);
    return r.matchedCount;
  }
  async bulkUpdate(ops: BulkUpdateOp[]) {
    if (ops.length === 0) return 0;
    const writes = ops.map((o) => ({ updateOne: { filter: o.filter, update: o.update as Document } }));
    let matched = 0;
    // Ordered across slices too: a failing slice throws, and the slices after it are not sent.
    for (let i = 0; i < writes.length; i += this.bulkSlice) {
      const slice = writes.slice(i, i + this.bulkSlice);
      matched += (await this.write(() => this.c.bulkWrite(slice, { ordered: true })).catch(translateError)).matchedCount;
    }
    return matched;
  }
  async findOneAndUpdate(filter: Filter, update: Update) {
    const r = await this.write(() => this.c.findOneAndUpdate(filter, update as Document, { returnDocument: 'after' })).catch(translateError);
    return decode(r) as T | null;
  }
  async deleteOne(filter: Filter) {
    return (await this.write(() => this.c.deleteOne(filter))).deletedCount;
  }
  async deleteMany(filter: Filter) {
    return (await this.write(() => this.c.deleteMany(filter))).deletedCount;
  }
}

/** MongoDB's "an index with this key exists with other options" errors. */
const INDEX_CONFLICT = new Set([85, 86]);

/** How often expired records are swept by default: MongoDB's own TTL monitor also runs every 60 s. */
const TTL_SWEEP_MS = 60_000;

export interface MongoStoreOptions {
  /** How often records past an `expireAfterSeconds` index are deleted (default 60 s). */
  ttlSweepMs?: number;
}

/** Connects to MongoDB at `uri` (database from the URI, else `collaboratory`). */
export async function openMongoStore(uri: string, options: MongoStoreOptions = {}): Promise<Store> {
  const client = new MongoClient(uri, { writeConcern: { w: 'majority' }, serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const db: Db = client.db(undefined);
  const dbName = db.databaseName === 'test' && !/\/test(\?|$)/.test(uri) ? 'collaboratory' : db.databaseName;
  const database = client.db(dbName);
  // FerretDB names itself in buildInfo; see writeQueue for why that matters.
  const ferretdb = 'ferretdbVersion' in (await database.admin().command({ buildInfo: 1 }));
  const queues = new Map<string, Serialize>();
  const collection = <T extends Doc>(name: string): Collection<T> => {
    let write = ferretdb ? queues.get(name) : direct;
    if (!write) queues.set(name, (write = writeQueue()));
    return new MongoAdapterCollection<T>(database.collection(name), write, ferretdb ? FERRETDB_BULK_SLICE : Infinity);
  };

  // Expiry as a sweep instead of a TTL index: one deleteMany per expiring index, run at boot and then
  // every `ttlSweepMs`. A failed sweep (server away) is retried at the next tick.
  const expiring = new Map<string, { collection: string; field: string; seconds: number }>();
  let sweeping: Promise<void> | null = null;
  const sweep = () => {
    sweeping ??= (async () => {
      for (const e of expiring.values()) {
        const cutoff = new Date(Date.now() - e.seconds * 1000);
        await collection(e.collection).deleteMany({ [e.field]: { $lt: cutoff } }).catch(() => undefined);
      }
    })().finally(() => {
      sweeping = null;
    });
    return sweeping;
  };
  let timer: NodeJS.Timeout | null = null;

  return {
    kind: 'mongodb',
    collection,
    async ensureIndexes(specs: IndexSpec[]) {
      for (const s of specs) {
        const ttl = s.expireAfterSeconds !== undefined;
        try {
          await database.collection(s.collection).createIndex(s.fields, { unique: s.unique ?? false });
        } catch (err) {
          // A database first set up by an older release may hold a real TTL index on these keys; it
          // does the same job as the sweep, so it is kept.
          if (!(ttl && err instanceof MongoServerError && INDEX_CONFLICT.has(err.code as number))) throw err;
        }
        if (ttl) {
          const field = Object.keys(s.fields)[0]!;
          expiring.set(`${s.collection}\0${field}`, { collection: s.collection, field, seconds: s.expireAfterSeconds! });
        }
      }
      if (expiring.size && !timer) {
        timer = setInterval(() => void sweep(), options.ttlSweepMs ?? TTL_SWEEP_MS);
        timer.unref();
        await sweep();
      }
    },
    async ping() {
      await database.command({ ping: 1 });
    },
    async close() {
      if (timer) clearInterval(timer);
      await sweeping;
      await client.close();
    },
  };
}
