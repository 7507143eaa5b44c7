/**
 * MongoDB adapter: a thin translation to the official driver. Writes use `w: "majority"` so an
 * acknowledged write survives a primary failover; indexes are created at boot.
 */
import { Binary, MongoClient, MongoServerError, type Collection as MongoCollection, type Db, type Document } from 'mongodb';
import {
  DuplicateKeyError,
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

function translateError(err: unknown): never {
  if (err instanceof MongoServerError && err.code === 11000) throw new DuplicateKeyError(err.message);
  throw err;
}

class MongoAdapterCollection<T extends Doc> implements Collection<T> {
  // The port's filter type is deliberately loose; the driver's generics add nothing here.
  constructor(private readonly c: MongoCollection<any>) {}

  async insertOne(doc: T) {
    await this.c.insertOne(doc).catch(translateError);
  }
  async insertMany(docs: T[]) {
    if (docs.length) await this.c.insertMany(docs, { ordered: true }).catch(translateError);
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
    const r = await this.c.updateOne(filter, update as Document, { upsert: o.upsert ?? false }).catch(translateError);
    return r.matchedCount + (r.upsertedCount ?? 0);
  }
  async updateMany(filter: Filter, update: Update) {
    const r = await this.c.updateMany(filter, update as Document).catch(translateError);
    return r.matchedCount;
  }
  async findOneAndUpdate(filter: Filter, update: Update) {
    const r = await this.c.findOneAndUpdate(filter, update as Document, { returnDocument: 'after' }).catch(translateError);
    return decode(r) as T | null;
  }
  async deleteOne(filter: Filter) {
    return (await this.c.deleteOne(filter)).deletedCount;
  }
  async deleteMany(filter: Filter) {
    return (await this.c.deleteMany(filter)).deletedCount;
  }
}

/** Connects to MongoDB at `uri` (database from the URI, else `collaboratory`). */
export async function openMongoStore(uri: string): Promise<Store> {
  const client = new MongoClient(uri, { writeConcern: { w: 'majority' }, serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const db: Db = client.db(undefined);
  const dbName = db.databaseName === 'test' && !/\/test(\?|$)/.test(uri) ? 'collaboratory' : db.databaseName;
  const database = client.db(dbName);
  return {
    kind: 'mongodb',
    collection<T extends Doc>(name: string): Collection<T> {
      return new MongoAdapterCollection<T>(database.collection(name));
    },
    async ensureIndexes(specs: IndexSpec[]) {
      for (const s of specs) {
        await database.collection(s.collection).createIndex(s.fields, {
          unique: s.unique ?? false,
          ...(s.expireAfterSeconds !== undefined ? { expireAfterSeconds: s.expireAfterSeconds } : {}),
        });
      }
    },
    async ping() {
      await database.command({ ping: 1 });
    },
    async close() {
      await client.close();
    },
  };
}
