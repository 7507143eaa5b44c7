/**
 * What the MongoDB adapter adds on top of the shared store contract, checked on a real wire-protocol
 * server (FerretDB under .ci/run): expiry by a periodic sweep instead of a TTL index (FerretDB refuses
 * TTL indexes, so the adapter must not create one), and MongoDB's ordered insertMany failure semantics.
 */
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMongoStore } from '../../server/store/mongo';
import { DuplicateKeyError, type Doc, type Store } from '../../server/store/port';
import { dropDatabase, MONGODB_SKIP_REASON, MONGODB_TEST_URI, withDatabase } from '../helpers/mongo';

if (MONGODB_SKIP_REASON) console.warn(`[mongo-adapter] skipped: ${MONGODB_SKIP_REASON}`);

interface Rec extends Doc {
  at?: Date;
  name?: string;
}

describe.skipIf(!MONGODB_TEST_URI)('MongoDB adapter on a real server', () => {
  const dbName = `collab_adapter_${process.pid}_${Date.now().toString(36)}`;
  let uri: string;
  let store: Store;

  beforeAll(async () => {
    uri = withDatabase(MONGODB_TEST_URI!, dbName);
    store = await openMongoStore(uri, { ttlSweepMs: 100 });
  });
  afterAll(async () => {
    await store?.close();
    if (MONGODB_TEST_URI) await dropDatabase(dbName);
  });

  it('an expireAfterSeconds index becomes a plain index plus a sweep that deletes expired records', async () => {
    const c = store.collection<Rec>('expiring');
    const now = Date.now();
    await c.insertMany([
      { _id: 'old', at: new Date(now - 60_000) },
      { _id: 'young', at: new Date(now - 1_000) },
      { _id: 'future', at: new Date(now + 3_600_000) },
      { _id: 'undated' },
    ]);
    // Expire 30 s after `at`: the boot sweep removes only `old`.
    await store.ensureIndexes([{ collection: 'expiring', fields: { at: 1 }, expireAfterSeconds: 30 }]);
    expect((await c.find({}, { sort: { _id: 1 } })).map((d) => d._id)).toEqual(['future', 'undated', 'young']);
    // Later records are removed by the periodic sweep, without another ensureIndexes.
    await c.insertOne({ _id: 'later', at: new Date(Date.now() - 31_000) });
    await expect.poll(() => c.count({ _id: 'later' }), { timeout: 5_000, interval: 50 }).toBe(0);
    expect(await c.count({})).toBe(3);
    // Declaring it again (every boot) is fine, and no TTL index exists on the server.
    await store.ensureIndexes([{ collection: 'expiring', fields: { at: 1 }, expireAfterSeconds: 30 }]);
    const client = new MongoClient(uri);
    try {
      const indexes = await client.db(dbName).collection('expiring').indexes();
      expect(indexes.some((i) => i.key.at === 1)).toBe(true);
      expect(indexes.every((i) => i.expireAfterSeconds === undefined)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('ordered insertMany: the records before a duplicate stay, the duplicate and the rest are not inserted', async () => {
    await store.ensureIndexes([{ collection: 'ordered', fields: { name: 1 }, unique: true }]);
    const c = store.collection<Rec>('ordered');
    await c.insertOne({ _id: 'a', name: 'taken' });
    await expect(
      c.insertMany([
        { _id: 'b', name: 'free' },
        { _id: 'c', name: 'taken' },
        { _id: 'd', name: 'also free' },
      ]),
    ).rejects.toBeInstanceOf(DuplicateKeyError);
    expect((await c.find({}, { sort: { _id: 1 } })).map((d) => d._id)).toEqual(['a', 'b']);
  });
});
