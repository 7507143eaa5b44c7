/**
 * The SQLite store's push-down: whatever the SQL pre-filter and SQL sort do, results equal MongoDB's
 * semantics as mingo computes them over the same records (random records and queries on indexed fields,
 * arrays included); the plans really use the expression indexes; TTL indexes expire records by sweep;
 * binary values are stored as BLOBs, not base64.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { find as mingoFind } from 'mingo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore, SQLITE_FILE, type ListableStore } from '../../server/store/embedded';
import type { Doc, Filter, SortSpec } from '../../server/store/port';
import { planFilter, planSort } from '../../server/store/sqlite-query';
import { tempDir } from '../helpers/server';

interface Rec extends Doc {
  n?: number | null;
  name?: string;
  at?: Date;
  tags?: string[];
  flag?: boolean;
  nested?: { k: number };
}

const DATES = [0, 1, 2, 3].map((i) => new Date(Date.UTC(2026, 0, 1 + i, 12)));
const NAMES = ['ada', 'bob', 'Cy', 'ünï', '', 'ada2'];
const TAGS = ['x', 'y', 'z'];

const recArb = (i: number) =>
  fc
    .record(
      {
        n: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(null)),
        name: fc.constantFrom(...NAMES),
        at: fc.constantFrom(...DATES),
        tags: fc.array(fc.constantFrom(...TAGS), { maxLength: 3 }),
        flag: fc.boolean(),
        nested: fc.record({ k: fc.integer({ min: 0, max: 2 }) }),
      },
      { requiredKeys: [] },
    )
    .map((r) => ({ _id: `r${String(i).padStart(3, '0')}`, ...r }) as Rec);

const scalar = { n: fc.integer({ min: -3, max: 3 }), name: fc.constantFrom(...NAMES), at: fc.constantFrom(...DATES), tags: fc.constantFrom(...TAGS), flag: fc.boolean(), 'nested.k': fc.integer({ min: 0, max: 2 }) };
type Field = keyof typeof scalar;
const fieldArb = fc.constantFrom(...(Object.keys(scalar) as Field[]));
const condArb: fc.Arbitrary<Filter> = fieldArb.chain((f) =>
  fc.oneof(
    scalar[f].map((v) => ({ [f]: v })),
    fc.constant({ [f]: null }),
    fc.array(fc.oneof(scalar[f] as fc.Arbitrary<unknown>, fc.constant(null)), { maxLength: 3 }).map((vs) => ({ [f]: { $in: vs } })),
    fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), scalar[f] as fc.Arbitrary<unknown>).map(([op, v]) => ({ [f]: { [op]: v } })),
    scalar[f].map((v) => ({ [f]: { $ne: v } })),
  ),
);
const filterArb = fc.array(condArb, { maxLength: 3 }).map((cs): Filter => (cs.length > 1 ? { $and: cs } : (cs[0] ?? {})));
const sortArb = fc.option(fc.tuple(fc.constantFrom('n', 'name', 'at', '_id', 'nested.k'), fc.constantFrom(1, -1)), { nil: undefined });

let dir: string;
let store: ListableStore;
beforeAll(async () => {
  dir = tempDir('sqlite-query-');
  store = await openEmbeddedStore(dir);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite push-down', () => {
  it('answers exactly as MongoDB semantics (mingo over the same records) for random records and queries', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 }).chain((len) => fc.tuple(...Array.from({ length: len }, (_, i) => recArb(i)))),
        fc.array(fc.tuple(filterArb, sortArb, fc.nat(5), fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined })), { minLength: 5, maxLength: 5 }),
        async (records, queries) => {
          const name = `q${++round}`;
          await store.ensureIndexes([
            { collection: name, fields: { n: 1, name: 1 } },
            { collection: name, fields: { at: -1 } },
            { collection: name, fields: { tags: 1 } },
            { collection: name, fields: { flag: 1 } },
            { collection: name, fields: { 'nested.k': 1 } },
          ]);
          const c = store.collection<Rec>(name);
          if (records.length) await c.insertMany(records.map((r) => structuredClone(r)));
          for (const [filter, sortKey, skip, limit] of queries) {
            const sort: SortSpec | undefined = sortKey ? { [sortKey[0]]: sortKey[1] as 1 | -1, ...(sortKey[0] === '_id' ? {} : { _id: 1 }) } : { _id: 1 };
            let cursor = mingoFind(records.map((r) => structuredClone(r)), filter).sort(sort!);
            if (skip) cursor = cursor.skip(skip);
            if (limit) cursor = cursor.limit(limit);
            const expected = (cursor.all() as unknown as Rec[]).map((r) => r._id);
            const got = (await c.find(filter, { sort, skip, ...(limit ? { limit } : {}) })).map((r) => r._id);
            expect(got, JSON.stringify({ filter, sort, skip, limit })).toEqual(expected);
            expect(await c.count(filter)).toBe(mingoFind(records, filter).all().length);
          }
        },
      ),
      { numRuns: 40, seed: 1207 },
    );
  });

  it('uses the expression indexes: equality prefix plus sort without a temporary sort, ranges on Dates, $in', async () => {
    await store.ensureIndexes([
      { collection: 'planned', fields: { docId: 1, seq: 1 }, unique: true },
      { collection: 'planned', fields: { expiresAt: 1 } },
    ]);
    await store.collection<Doc & Record<string, unknown>>('planned').insertOne({ _id: 'p', docId: 'd', seq: 1, expiresAt: new Date() });
    const db = new Database(path.join(dir, SQLITE_FILE), { readonly: true });
    const pushable = new Set(['_id', 'docId', 'seq', 'expiresAt']);
    const plan = (filter: Filter, sort?: SortSpec) => {
      const p = planFilter(filter, pushable);
      const sql = `EXPLAIN QUERY PLAN SELECT doc, bin FROM "planned" WHERE ${p.where} ORDER BY ${planSort(sort, pushable)}`;
      return (db.prepare(sql).all(...p.params) as { detail: string }[]).map((r) => r.detail).join(' | ');
    };
    const bySeq = plan({ docId: 'd', seq: { $gt: 3 } }, { seq: -1 });
    expect(bySeq).toMatch(/USING INDEX ix_planned_docId_a_seq_a_u/);
    expect(bySeq).not.toMatch(/TEMP B-TREE/);
    expect(plan({ expiresAt: { $lt: new Date() } })).toMatch(/USING INDEX ix_planned_expiresAt_a/);
    expect(plan({ docId: { $in: ['a', 'b'] } }, { docId: 1, seq: 1 })).toMatch(/USING INDEX ix_planned_docId_a_seq_a_u/);
    // A history page (40 channels of 50 messages): equality on a non-unique indexed field, then newest
    // _id first below a cursor, read from the index (which ends with _id) without sorting the channel.
    await store.ensureIndexes([{ collection: 'history', fields: { channelId: 1 } }]);
    await store.collection<Doc & { channelId: string }>('history').insertMany(Array.from({ length: 2000 }, (_, i) => ({ _id: `m${String(i).padStart(5, '0')}`, channelId: `c${i % 40}` })));
    await store.ensureIndexes([{ collection: 'history', fields: { channelId: 1 } }]); // as at the next start: statistics
    const hp = planFilter({ channelId: 'c7', _id: { $lt: 'm01000' } }, new Set(['_id', 'channelId']));
    const page = (db.prepare(`EXPLAIN QUERY PLAN SELECT doc, bin FROM "history" WHERE ${hp.where} ORDER BY ${planSort({ _id: -1 }, new Set(['_id']))}`).all(...hp.params) as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(page).toMatch(/USING INDEX ix_history_channelId_a/);
    expect(page).not.toMatch(/TEMP B-TREE/);
    db.close();
  });

  it('stores binary values as raw BLOB bytes, not base64', async () => {
    const bytes = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff);
    await store.collection<Doc & Record<string, unknown>>('blobs').insertOne({ _id: 'b', update: bytes, small: new Uint8Array([1, 2]) });
    const db = new Database(path.join(dir, SQLITE_FILE), { readonly: true });
    const row = db.prepare('SELECT doc, bin, typeof(bin) AS type FROM "blobs" WHERE _id = ?').get('b') as { doc: string; bin: Buffer; type: string };
    db.close();
    expect(row.type).toBe('blob');
    expect(row.bin.subarray(0, 4096).equals(Buffer.from(bytes))).toBe(true);
    expect(row.doc.length).toBeLessThan(100); // no base64 copy in the JSON
  });

  it('expires records of a TTL index by a periodic sweep, as MongoDB does', async () => {
    const d = tempDir('sqlite-ttl-');
    const s = await openEmbeddedStore(d, { ttlSweepMs: 50 });
    try {
      const c = s.collection<{ _id: string; expiresAt?: Date | string }>('expiring');
      await s.ensureIndexes([{ collection: 'expiring', fields: { expiresAt: 1 }, expireAfterSeconds: 0 }]);
      await c.insertMany([
        { _id: 'past', expiresAt: new Date(Date.now() - 1000) },
        // Far enough ahead that a loaded machine's first sweeps still find it there.
        { _id: 'soon', expiresAt: new Date(Date.now() + 2_000) },
        { _id: 'later', expiresAt: new Date(Date.now() + 3_600_000) },
        { _id: 'not-a-date', expiresAt: '2000-01-01' },
        { _id: 'none' },
      ]);
      const left = async () => (await c.find({}, { sort: { _id: 1 } })).map((r) => r._id);
      await expect.poll(left).toEqual(['later', 'none', 'not-a-date', 'soon']);
      await expect.poll(left).toEqual(['later', 'none', 'not-a-date']);
    } finally {
      await s.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
