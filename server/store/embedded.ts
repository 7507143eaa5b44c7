/**
 * Embedded adapter: one NeDB datastore per collection, files under DATA_DIR. NeDB appends every write to
 * its file before resolving, so an acknowledged write survives a killed process; each write then waits for
 * an fdatasync of the file (one flush shared by every write that finished before it began), so it also
 * survives the machine losing power. Inserts that arrive while one is running are combined into one NeDB
 * insert (see `insertCombiner`), so many documents typing at once cost a few large appends. Binary values (Uint8Array) are stored as base64 because NeDB's file
 * format is JSON.
 */
import { mkdir, open as openFile } from 'node:fs/promises';
import path from 'node:path';
import NedbModule from '@seald-io/nedb';
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

// The package's typings describe a class; with ESM interop the default export is that class.
const Nedb = NedbModule as unknown as typeof import('@seald-io/nedb').default;
type Datastore = InstanceType<typeof Nedb>;

const BIN = '__bin';

/** Replaces Uint8Arrays with `{ __bin: base64 }` so they survive NeDB's JSON format. */
function encode(value: unknown): unknown {
  if (value instanceof Uint8Array) return { [BIN]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof RegExp)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = encode(v);
    return out;
  }
  return value;
}

/** Reverses `encode`, turning `{ __bin }` back into Uint8Array. */
function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof RegExp)) {
    const rec = value as Record<string, unknown>;
    if (typeof rec[BIN] === 'string' && Object.keys(rec).length === 1) return new Uint8Array(Buffer.from(rec[BIN] as string, 'base64'));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rec)) out[k] = decode(v);
    return out;
  }
  return value;
}

function translateError(err: unknown): never {
  const e = err as { errorType?: string; message?: string };
  if (e && e.errorType === 'uniqueViolated') throw new DuplicateKeyError(e.message);
  throw err;
}

/**
 * Group commit: `sync()` resolves after a `flush` that began after the call. Calls made while a flush runs
 * share the next one, so N concurrent writers cost at most two flushes, not N.
 */
export function groupCommit(flush: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const start = (): Promise<void> => {
    const p = flush();
    running = p.finally(() => {
      running = null;
    });
    return p;
  };
  return () => {
    if (!running) return start();
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = null;
        return start();
      });
    return next;
  };
}

/** Flushes a file's data to the disk. */
async function datasync(file: string): Promise<void> {
  const fh = await openFile(file, 'r');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/** Most records one combined insert carries (NeDB serialises a batch in one event-loop turn). */
const MAX_COMBINED = 100;

/**
 * Insert combining: an insert that arrives while another is running waits for it, then goes out with
 * every other waiting insert as ONE NeDB insert (one file append). Alone, an insert goes straight out, so
 * a quiet store pays nothing; a busy one (many documents typing at once) makes a few large appends instead
 * of thousands of small ones. NeDB inserts a batch all-or-nothing: when one record breaks a unique index,
 * nothing was written, and the batch is retried record by record so only that record fails.
 */
export function insertCombiner(insert: (docs: unknown[]) => Promise<unknown>): (doc: unknown) => Promise<void> {
  type Waiting = { doc: unknown; resolve: () => void; reject: (err: unknown) => void };
  let queue: Waiting[] = [];
  let running = false;
  const one = (w: Waiting) => insert([w.doc]).then(w.resolve, w.reject);
  async function drain(): Promise<void> {
    running = true;
    while (queue.length) {
      const batch = queue.slice(0, MAX_COMBINED);
      queue = queue.slice(batch.length);
      if (batch.length === 1) {
        await one(batch[0]!);
        continue;
      }
      try {
        await insert(batch.map((w) => w.doc));
        for (const w of batch) w.resolve();
      } catch (err) {
        if ((err as { errorType?: string }).errorType !== 'uniqueViolated') {
          for (const w of batch) w.reject(err);
          continue;
        }
        for (const w of batch) await one(w);
      }
    }
    running = false;
  }
  return (doc) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ doc, resolve, reject });
      if (!running) void drain();
    });
}

class EmbeddedCollection<T extends Doc> implements Collection<T> {
  constructor(
    private readonly db: Datastore,
    /** Resolves once every write that finished so far is on the disk. */
    private readonly sync: () => Promise<void>,
    /** The datastore's insert combiner (one per datastore). */
    private readonly combined: (doc: unknown) => Promise<void>,
  ) {}

  /** Runs a write, then waits until it is on the disk. */
  private async durably<R>(write: Promise<R>): Promise<R> {
    const r = await write.catch(translateError);
    await this.sync();
    return r;
  }

  async insertOne(doc: T): Promise<void> {
    await this.durably(this.combined(encode(doc)));
  }

  async insertMany(docs: T[]): Promise<void> {
    if (docs.length === 0) return;
    await this.durably(this.db.insertAsync(docs.map(encode) as T[]));
  }

  async findOne(filter: Filter): Promise<T | null> {
    const doc = await this.db.findOneAsync(encode(filter) as Filter);
    return doc ? (decode(doc) as T) : null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    let cursor = this.db.findAsync(encode(filter) as Filter);
    if (options.sort) cursor = cursor.sort(options.sort);
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit) cursor = cursor.limit(options.limit);
    const docs = await cursor;
    return docs.map((d) => decode(d) as T);
  }

  async count(filter: Filter): Promise<number> {
    return this.db.countAsync(encode(filter) as Filter);
  }

  async updateOne(filter: Filter, update: Update, options: { upsert?: boolean } = {}): Promise<number> {
    const res = await this.durably(this.db.updateAsync(encode(filter) as Filter, encode(update) as Update, { multi: false, upsert: options.upsert ?? false }));
    return res.numAffected;
  }

  async updateMany(filter: Filter, update: Update): Promise<number> {
    const res = await this.durably(this.db.updateAsync(encode(filter) as Filter, encode(update) as Update, { multi: true }));
    return res.numAffected;
  }

  async findOneAndUpdate(filter: Filter, update: Update): Promise<T | null> {
    const res = await this.durably(this.db.updateAsync(encode(filter) as Filter, encode(update) as Update, { multi: false, returnUpdatedDocs: true }));
    const doc = res.affectedDocuments as unknown;
    return doc ? (decode(doc) as T) : null;
  }

  async deleteOne(filter: Filter): Promise<number> {
    return this.durably(this.db.removeAsync(encode(filter) as Filter, { multi: false }));
  }

  async deleteMany(filter: Filter): Promise<number> {
    return this.durably(this.db.removeAsync(encode(filter) as Filter, { multi: true }));
  }
}

/** Opens (or creates) the embedded store under `dataDir`. */
export async function openEmbeddedStore(dataDir: string): Promise<Store> {
  await mkdir(dataDir, { recursive: true });
  const dbs = new Map<string, Datastore>();
  const syncs = new Map<string, () => Promise<void>>();
  const combiners = new Map<string, (doc: unknown) => Promise<void>>();
  const loading = new Map<string, Promise<Datastore>>();

  async function open(name: string): Promise<Datastore> {
    const existing = dbs.get(name);
    if (existing) return existing;
    let p = loading.get(name);
    if (!p) {
      p = (async () => {
        const db = new Nedb({ filename: path.join(dataDir, `${name}.db`) });
        await db.loadDatabaseAsync();
        // Deleted and updated lines pile up in the append-only file; compact it now and then.
        db.setAutocompactionInterval(10 * 60 * 1000);
        const file = path.join(dataDir, `${name}.db`);
        syncs.set(name, groupCommit(() => datasync(file)));
        combiners.set(name, insertCombiner((docs) => db.insertAsync(docs as Doc[])));
        dbs.set(name, db);
        return db;
      })();
      loading.set(name, p);
    }
    return p;
  }

  // Collections are opened lazily but every call awaits the load, so callers never see a half-loaded file.
  function lazy<T extends Doc>(name: string): Collection<T> {
    const get = async () => new EmbeddedCollection<T>(await open(name), syncs.get(name)!, combiners.get(name)!);
    return {
      insertOne: async (d) => (await get()).insertOne(d),
      insertMany: async (d) => (await get()).insertMany(d),
      findOne: async (f) => (await get()).findOne(f),
      find: async (f, o) => (await get()).find(f, o),
      count: async (f) => (await get()).count(f),
      updateOne: async (f, u, o) => (await get()).updateOne(f, u, o),
      updateMany: async (f, u) => (await get()).updateMany(f, u),
      findOneAndUpdate: async (f, u) => (await get()).findOneAndUpdate(f, u),
      deleteOne: async (f) => (await get()).deleteOne(f),
      deleteMany: async (f) => (await get()).deleteMany(f),
    };
  }

  const collections = new Map<string, Collection<Doc>>();

  return {
    kind: 'embedded',
    collection<T extends Doc>(name: string): Collection<T> {
      let c = collections.get(name);
      if (!c) {
        c = lazy<Doc>(name);
        collections.set(name, c);
      }
      return c as unknown as Collection<T>;
    },
    async ensureIndexes(specs: IndexSpec[]) {
      for (const spec of specs) {
        const db = await open(spec.collection);
        const fields = Object.keys(spec.fields);
        await db.ensureIndexAsync({
          fieldName: fields.length === 1 ? fields[0]! : fields,
          unique: spec.unique ?? false,
          ...(spec.expireAfterSeconds !== undefined ? { expireAfterSeconds: spec.expireAfterSeconds } : {}),
        });
        // NeDB uses a compound index only when every one of its fields is matched exactly, so a query
        // like { docId, seq: { $gt } } would scan the whole collection. MongoDB serves it from the
        // compound index's prefix; here a plain index on the first field does the same job.
        if (fields.length > 1) await db.ensureIndexAsync({ fieldName: fields[0]! });
      }
    },
    async ping() {
      await mkdir(dataDir, { recursive: true });
    },
    async close() {
      for (const db of dbs.values()) {
        db.stopAutocompaction();
        // Waits for queued writes: NeDB runs operations through one executor queue.
        await db.countAsync({});
      }
      dbs.clear();
    },
  };
}
