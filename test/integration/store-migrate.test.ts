/**
 * `npm run migrate` as a real process: embedded -> embedded copies every record byte for byte (Dates,
 * binary, nested values), a second run changes nothing, a run after damage to the target repairs it
 * (resumable, upsert by _id), counts are verified (exit 1 when the target holds extra records), bad
 * arguments exit 2. Embedded -> MongoDB -> embedded keeps everything, when MONGODB_URI is set.
 */
import { spawn } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../server/store/embedded';
import type { Doc } from '../../server/store/port';
import { MONGODB_TEST_URI } from '../helpers/mongo';
import { tempDir } from '../helpers/server';

const FIXTURE = path.join(import.meta.dirname, '../fixtures/nedb-v1');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const dir = (prefix: string) => {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
};

/** Runs scripts/migrate.ts with `args`; resolves with its exit code and output. */
function migrate(...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
    proc.on('exit', (code) => resolve({ code, out }));
  });
}

/** Every record of every collection of the embedded store in `d`, sorted by _id. */
async function dump(d: string): Promise<Record<string, Doc[]>> {
  const store = await openEmbeddedStore(d);
  try {
    const out: Record<string, Doc[]> = {};
    for (const name of await store.listCollections()) {
      if (name === 'health') continue;
      const docs = await store.collection(name).find({}, { sort: { _id: 1 } });
      if (docs.length) out[name] = docs;
    }
    return out;
  } finally {
    await store.close();
  }
}

/** A source store: the migrated NeDB fixture plus 1,200 records with binary values (more than two pages). */
async function source(): Promise<string> {
  const d = dir('migrate-src-');
  cpSync(FIXTURE, d, { recursive: true });
  const store = await openEmbeddedStore(d);
  const bulk = Array.from({ length: 1200 }, (_, i) => ({ _id: `u${String(i).padStart(5, '0')}`, docId: `d${i % 7}`, seq: i, update: new Uint8Array([i & 0xff, 0, 255]), createdAt: new Date(1_700_000_000_000 + i) }));
  await store.collection('docUpdates').insertMany(bulk);
  await store.close();
  return d;
}

describe('npm run migrate (embedded -> embedded)', () => {
  it('copies everything, is idempotent, repairs a damaged target, verifies counts', async () => {
    const from = await source();
    const to = dir('migrate-dst-');
    const first = await migrate('--from', from, '--to', to);
    expect(first.out).toMatch(/counts verified/);
    expect(first.code).toBe(0);
    const expected = await dump(from);
    expect(expected.docUpdates!.length).toBe(1200);
    expect(await dump(to)).toEqual(expected);

    const again = await migrate('--from', from, '--to', to);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/docUpdates: 1200 in source, 1200 in target \(0 inserted, 0 rewritten, 1200 already there\)/);

    // Damage the target as an interrupted or stale copy would leave it: missing, changed and extra fields.
    const t = await openEmbeddedStore(to);
    await t.collection('docUpdates').deleteMany({ seq: { $gte: 700 } });
    await t.collection('users').updateMany({}, { $set: { name: 'stale', extra: true } });
    await t.close();
    const resumed = await migrate('--from', from, '--to', to);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/docUpdates: 1200 in source, 1200 in target \(500 inserted, 0 rewritten, 700 already there\)/);
    expect(resumed.out).toMatch(/users: 4 in source, 4 in target \(0 inserted, 4 rewritten, 0 already there\)/);
    expect(await dump(to)).toEqual(expected);

    const t2 = await openEmbeddedStore(to);
    await t2.collection('messages').insertOne({ _id: 'only-in-target' });
    await t2.close();
    const extra = await migrate('--from', from, '--to', to);
    expect(extra.code).toBe(1);
    expect(extra.out).toMatch(/Counts differ for: messages/);
  }, 240_000); // five runs of the script, each a fresh tsx process

  it('refuses bad arguments with a usage line', async () => {
    expect((await migrate('--from', 'x')).code).toBe(2);
    const same = dir('migrate-same-');
    expect(await migrate('--from', same, '--to', same)).toMatchObject({ code: 2, out: expect.stringMatching(/same directory/) });
  }, 120_000);
});

// vitest.config.ts probes MONGODB_URI once and hands a server that answered to the tests as MONGODB_TEST_URI.
const MONGODB_URI = MONGODB_TEST_URI;
if (!MONGODB_URI) console.warn(`[store-migrate] embedded -> MongoDB -> embedded round trip skipped: ${process.env.MONGODB_TEST_SKIP ?? 'no MongoDB server answered'}.`);

describe.skipIf(!MONGODB_URI)('npm run migrate (embedded -> MongoDB -> embedded)', () => {
  it('keeps every record through the round trip', async () => {
    const dbName = `collab_migrate_${process.pid}_${Date.now().toString(36)}`;
    const u = new URL(MONGODB_URI!);
    u.pathname = `/${dbName}`;
    if (u.username && !u.searchParams.has('authSource')) u.searchParams.set('authSource', 'admin');
    const uri = u.toString();
    try {
      const from = await source();
      const back = dir('migrate-back-');
      expect((await migrate('--from', from, '--to', uri)).code).toBe(0);
      const out = await migrate('--from', uri, '--to', back);
      expect(out.out).toMatch(/counts verified/);
      expect(await dump(back)).toEqual(await dump(from));
    } finally {
      const client = new MongoClient(uri);
      await client.db(dbName).dropDatabase();
      await client.close();
    }
  }, 240_000);
});
