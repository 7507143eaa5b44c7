/**
 * A DATA_DIR written by the released NeDB store (test/fixtures/nedb-v1, made by the real app: seed, a live
 * edit, a version, a log-out) is imported into SQLite at the first start: every live record is found,
 * equal to what NeDB itself loaded (nedb-v1.expected.json), deleted ones stay deleted, the old files are
 * moved aside intact, one log line says so; a second start does not import again; a torn last line (a
 * crash while NeDB appended) is skipped and counted; and the real server serves the migrated data.
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import * as Y from 'yjs';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../server/store/embedded';
import { RENAMED_COLLECTIONS } from '../../server/store/nedb-import';
import { ApiClient, spawnServer, tempDir, type ChildServer } from '../helpers/server';

const FIXTURE = path.join(import.meta.dirname, '../fixtures/nedb-v1');
const EXPECTED = JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/nedb-v1.expected.json'), 'utf8')) as Record<string, Record<string, unknown>[]>;

/** expected.json's tagged values back to Dates and Uint8Arrays. */
function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === 'object') {
    const r = v as Record<string, unknown>;
    if (typeof r.$date === 'string') return new Date(r.$date);
    if (typeof r.$bin === 'string') return new Uint8Array(Buffer.from(r.$bin, 'base64'));
    return Object.fromEntries(Object.entries(r).map(([k, x]) => [k, revive(x)]));
  }
  return v;
}

const dirs: string[] = [];
let child: ChildServer | null = null;
afterAll(async () => {
  await child?.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function fixtureCopy(): string {
  const dir = tempDir('nedb-migrate-');
  dirs.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}
function logCapture() {
  const lines: { obj: Record<string, unknown>; msg: string }[] = [];
  return { lines, logger: { info: (obj: object, msg?: string) => void lines.push({ obj: obj as Record<string, unknown>, msg: msg ?? '' }), warn: () => undefined } };
}

describe('NeDB DATA_DIR migration', () => {
  it('imports every live record, equal to what NeDB loaded, and moves the old files aside intact', async () => {
    const dir = fixtureCopy();
    const log = logCapture();
    const store = await openEmbeddedStore(dir, { logger: log.logger as never });
    let total = 0;
    for (const [name, records] of Object.entries(EXPECTED)) {
      const c = store.collection<{ _id: string }>(RENAMED_COLLECTIONS[name] ?? name);
      expect(await c.count({}), name).toBe(records.length);
      for (const rec of records) expect(await c.findOne({ _id: rec._id as string }), `${name}/${rec._id}`).toEqual(revive(rec));
      total += records.length;
    }
    expect(total).toBeGreaterThanOrEqual(40);
    // Binary values come back as bytes that Yjs reads: the live edit made before the move is in a snapshot.
    const snaps = await store.collection<{ _id: string; docId: string; state: Uint8Array }>('docSnapshots').find({});
    const texts = snaps.map((s) => {
      const d = new Y.Doc();
      Y.applyUpdate(d, s.state);
      return d.getXmlFragment('default').toString();
    });
    expect(texts.some((t) => t.includes('Edited live before the move to SQLite'))).toBe(true);
    await store.close();

    expect(readdirSync(dir).filter((n) => n.endsWith('.db'))).toEqual([]);
    const aside = readdirSync(dir).filter((n) => n.startsWith('nedb-migrated-'));
    expect(aside).toHaveLength(1);
    for (const f of readdirSync(FIXTURE)) expect(readFileSync(path.join(dir, aside[0]!, f)).equals(readFileSync(path.join(FIXTURE, f))), f).toBe(true);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]!.msg).toMatch(new RegExp(`^Imported the NeDB data directory into SQLite: ${total} records in ${Object.keys(EXPECTED).length} collections, counts checked; old files kept in .*nedb-migrated-`));
    expect(log.lines[0]!.obj).toMatchObject({ records: total, skippedLines: 0 });

    // A second start imports nothing.
    const again = logCapture();
    const reopened = await openEmbeddedStore(dir, { logger: again.logger as never });
    expect(await reopened.collection('users').count({})).toBe(EXPECTED.users!.length);
    await reopened.close();
    expect(again.lines).toEqual([]);
  });

  it('after a crash between the import and the move, the next start only moves the files (no second import)', async () => {
    const dir = fixtureCopy();
    const store = await openEmbeddedStore(dir);
    const user = EXPECTED.users![0]!;
    await store.collection('users').updateOne({ _id: user._id as string }, { $set: { name: 'Changed after the move' } });
    await store.close();
    // Put the old files back, as if the process died before moving them.
    cpSync(FIXTURE, dir, { recursive: true });
    const log = logCapture();
    const reopened = await openEmbeddedStore(dir, { logger: log.logger as never });
    expect((await reopened.collection<{ _id: string; name: string }>('users').findOne({ _id: user._id as string }))!.name).toBe('Changed after the move');
    await reopened.close();
    expect(log.lines.map((l) => l.msg)).toEqual(['NeDB files were already imported into SQLite; moved the leftover files aside']);
    expect(readdirSync(dir).filter((n) => n.endsWith('.db'))).toEqual([]);
  });

  it('a torn last line (NeDB killed mid-append) is skipped and counted; everything else is imported', async () => {
    const dir = fixtureCopy();
    appendFileSync(path.join(dir, 'messages.db'), '{"_id":"torn","channelId":"x","te');
    const log = logCapture();
    const store = await openEmbeddedStore(dir, { logger: log.logger as never });
    expect(await store.collection('messages').count({})).toBe(EXPECTED.messages!.length);
    expect(await store.collection('messages').findOne({ _id: 'torn' })).toBeNull();
    await store.close();
    expect(log.lines[0]!.obj).toMatchObject({ skippedLines: 1 });
    expect(log.lines[0]!.msg).toContain('1 unreadable lines skipped');
  });

  it('the real server starts on the old DATA_DIR, logs the import once, and serves the migrated data', async () => {
    const dir = fixtureCopy();
    child = await spawnServer({ DATA_DIR: dir, MONGODB_URI: '' });
    expect(child.output()).toContain('Imported the NeDB data directory into SQLite');
    const ana = new ApiClient(child.url);
    expect((await ana.post('/api/auth/login', { email: 'ana@demo.collaboratory.test', password: 'fixture password' })).status).toBe(200);
    const spaces = (await ana.get('/api/spaces')).body.spaces as { id: string; name: string }[];
    expect(spaces.map((s) => s.name)).toEqual(['Grade 6 Math PLC']);
    const docs = (await ana.get(`/api/spaces/${spaces[0]!.id}/docs`)).body.docs as { id: string; title: string }[];
    expect(docs).toHaveLength(EXPECTED.docs!.length);
    const unit = docs.find((d) => d.title === 'Unit 3: Ratios and rates')!;
    const md = (await ana.get(`/api/docs/${unit.id}/export?format=markdown`)).body as string;
    expect(md).toContain('Edited live before the move to SQLite');
    const versions = (await ana.get(`/api/docs/${unit.id}/versions`)).body.versions as { id: string; name: string }[];
    expect(versions.map((v) => v.name)).toEqual(['Fixture version']);
    const state = (await ana.get(`/api/docs/${unit.id}/versions/${versions[0]!.id}`)).body.state as string;
    const v = new Y.Doc();
    Y.applyUpdate(v, Buffer.from(state, 'base64'));
    expect(v.getXmlFragment('default').toString()).toContain('Edited live before the move to SQLite');
    // Ben logged out before the move: his session is gone; logging in again works.
    const ben = new ApiClient(child.url);
    expect((await ben.post('/api/auth/login', { email: 'ben@demo.collaboratory.test', password: 'fixture password' })).status).toBe(200);
    expect(existsSync(path.join(dir, 'collaboratory.sqlite'))).toBe(true);
    await child.kill('SIGTERM');
    child = null;
  });
});
