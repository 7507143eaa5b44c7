/**
 * Whole states in chunks, at the repository level, on every adapter (the embedded store always, MongoDB
 * when a server answers): records written before chunked states (inline `state`) still load and are
 * replaced by the next compaction; an update too large for one record is chunked; removing a snapshot,
 * a version or a publication's content removes its chunks, leaving nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createUpdateLog, INLINE_UPDATE_MAX, SNAPSHOTS, STATES, UPDATES, type SnapshotRecord, type UpdateRecord } from '../../server/collab/updateLog';
import { createVersionsRepo, type VersionRecord, type VersionStateRecord } from '../../server/docs/records';
import { createLibraryRepo, type PublicationContentRecord } from '../../server/library/records';
import type { Store } from '../../server/store/port';
import { MONGODB_SKIP_REASON, MONGODB_TEST_URI } from '../helpers/mongo';
import { scratchEmbedded, scratchMongo, useScratchStore, type ScratchStore } from '../helpers/stores';

const textOf = (state: Uint8Array) => {
  const d = new Y.Doc();
  Y.applyUpdate(d, state);
  return d.getText('t').toString();
};

function docWith(text: string): Y.Doc {
  const d = new Y.Doc();
  d.getText('t').insert(0, text);
  return d;
}

/** Records left in the chunk collections of `name` (heads, chunks, generations, pending markers). */
async function chunkRecords(store: Store, name: string): Promise<number> {
  let n = 0;
  for (const suffix of ['', 'Chunks', 'Gens', 'Pending']) n += await store.collection(`${name}${suffix}`).count({});
  return n;
}

function suite(open: () => Promise<ScratchStore>) {
  const current = useScratchStore(open);
  let store: Store;
  beforeAll(() => {
    store = current();
  });

  it('a snapshot and updates stored inline (before chunked states) load; the next compaction chunks the state', async () => {
    const doc = docWith('old snapshot ');
    await store.collection<SnapshotRecord>(SNAPSHOTS).insertOne({ _id: 'legacy:000000000002', docId: 'legacy', seq: 2, state: Y.encodeStateAsUpdate(doc), createdAt: new Date() });
    const sv = Y.encodeStateVector(doc);
    doc.getText('t').insert(doc.getText('t').length, 'then an update');
    await store.collection<UpdateRecord>(UPDATES).insertOne({ _id: 'legacy:000000000003', docId: 'legacy', seq: 3, update: Y.encodeStateAsUpdate(doc, sv), createdAt: new Date() });
    const log = createUpdateLog(store, Date.now);
    const loaded = await log.load('legacy');
    expect(loaded.doc.getText('t').toString()).toBe('old snapshot then an update');
    expect(loaded).toMatchObject({ lastSeq: 3, updatesSinceSnapshot: 1 });

    await log.compact('legacy', 3, Y.encodeStateAsUpdate(loaded.doc));
    const snaps = await store.collection<SnapshotRecord>(SNAPSHOTS).find({ docId: 'legacy' });
    expect(snaps).toHaveLength(1);
    expect(snaps[0]).toMatchObject({ seq: 3, blob: expect.any(String) });
    expect(snaps[0]!.state).toBeUndefined();
    expect((await log.load('legacy')).doc.getText('t').toString()).toBe('old snapshot then an update');
  });

  it('an update larger than one record holds is chunked, loads, and compaction removes it with its chunks', async () => {
    const log = createUpdateLog(store, Date.now);
    const doc = docWith(randomBytes(INLINE_UPDATE_MAX * 0.8).toString('base64'));
    const update = Y.encodeStateAsUpdate(doc);
    expect(update.byteLength).toBeGreaterThan(INLINE_UPDATE_MAX);
    await log.append('huge', 1, update);
    const rec = await store.collection<UpdateRecord>(UPDATES).findOne({ docId: 'huge' });
    expect(rec?.update).toBeUndefined();
    expect(rec?.size).toBe(update.byteLength);
    const loaded = await log.load('huge');
    expect(loaded.doc.getText('t').toString()).toBe(doc.getText('t').toString());
    expect(loaded.bytesSinceSnapshot).toBe(update.byteLength);

    await log.compact('huge', 1, update);
    expect(await store.collection(UPDATES).count({ docId: 'huge' })).toBe(0);
    expect(await store.collection(`${STATES}Pending`).count({})).toBe(0);
    expect(await store.collection(STATES).count({ _id: rec!.blob })).toBe(0);
    expect((await log.load('huge')).doc.getText('t').toString()).toBe(doc.getText('t').toString());
  }, 60_000);

  it('versions: the old kind (state record apart) and the chunked kind read back; thinning removes both and their chunks', async () => {
    const versions = createVersionsRepo(store);
    const day = 24 * 60 * 60 * 1000;
    const base = { docId: 'vdoc', kind: 'auto' as const, stateVector: new Uint8Array([0]), size: 1, createdBy: null };
    const old: VersionRecord = { ...base, _id: 'v-old', name: 'Automatic version', createdAt: new Date(Date.now() - 3 * day) };
    await store.collection<VersionRecord>('docVersions').insertOne(old);
    await store.collection<VersionStateRecord>('docVersionStates').insertOne({ _id: 'v-old', docId: 'vdoc', state: Y.encodeStateAsUpdate(docWith('old version')) });
    await versions.insert({ ...base, _id: 'v-mid', name: 'Automatic version', createdAt: new Date(Date.now() - 3 * day + 1000) }, Y.encodeStateAsUpdate(docWith('chunked version')));
    await versions.insert({ ...base, _id: 'v-new', name: 'Automatic version', createdAt: new Date(Date.now() - 3 * day + 2000) }, Y.encodeStateAsUpdate(docWith('newest')));
    expect(textOf((await versions.stateOf('vdoc', 'v-old'))!)).toBe('old version');
    expect(textOf((await versions.stateOf('vdoc', 'v-mid'))!)).toBe('chunked version');
    expect(await versions.stateOf('other-doc', 'v-mid')).toBeNull();

    // One a day is kept (the latest): the two older ones go, with whatever held their state.
    expect(await versions.thinAutomatic('vdoc', new Date(Date.now() - 2 * day))).toBe(2);
    expect((await versions.ofDoc('vdoc')).map((v) => v._id)).toEqual(['v-new']);
    expect(await store.collection('docVersionStates').count({ docId: 'vdoc' })).toBe(0);
    expect(await chunkRecords(store, 'docVersionBlobs')).toBe(3); // v-new's head, chunk and generation
    expect(textOf((await versions.stateOf('vdoc', 'v-new'))!)).toBe('newest');
  });

  it("a publication's content: the old inline kind and the chunked kind read back; removing a version removes its chunks", async () => {
    const repo = createLibraryRepo(store);
    const state = Y.encodeStateAsUpdate(docWith('frozen'));
    await store.collection<PublicationContentRecord>('publicationContents').insertOne({ _id: 'p1:1', publicationId: 'p1', state, markdown: '# Old', html: '<h1>Old</h1>' });
    expect(await repo.versions.content('p1', 1)).toEqual({ state, markdown: '# Old', html: '<h1>Old</h1>' });

    const meta = { _id: 'p1:2', publicationId: 'p1', version: 2, changes: null, publishedBy: 'u1', publishedAt: new Date(), check: { at: new Date(), findings: 0, kinds: [], confirmedBy: null, reason: null } };
    await repo.versions.insert(meta, { state, markdown: '# Ünïcode ✓', html: '<h1>Ünïcode ✓</h1>' });
    expect(await repo.versions.content('p1', 2)).toEqual({ state, markdown: '# Ünïcode ✓', html: '<h1>Ünïcode ✓</h1>' });
    await repo.versions.remove('p1', 2);
    expect(await repo.versions.content('p1', 2)).toBeNull();
    expect(await chunkRecords(store, 'publicationBlobs')).toBe(0);
  });
}

describe('document states in chunks: embedded adapter', () => {
  suite(() => scratchEmbedded('states'));
});

if (MONGODB_SKIP_REASON) console.warn(`[docs-state-records] MongoDB suite skipped: ${MONGODB_SKIP_REASON}`);

describe.skipIf(!MONGODB_TEST_URI)('document states in chunks: MongoDB adapter', () => {
  suite(() => scratchMongo('states'));
});
