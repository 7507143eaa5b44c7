/**
 * No 16 MB wall: a document whose Yjs state passes MongoDB's 16 MB record limit, typed through the stock
 * y-websocket client in edits under the server's message limit, is acknowledged as saved, snapshotted,
 * reloaded after a restart, named as a version, viewed and restored. Runs on SQLite and (in the
 * integration-mongo project) on MongoDB, where a single record that size would be refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { STATES, SNAPSHOTS } from '../../server/collab/updateLog';
import { connect, covers, synced, waitFor, type TestClient } from '../helpers/collab';
import { ApiClient, signupUser, startServer, type TestServer } from '../helpers/server';

const MB = 1024 * 1024;
/** Text per edit: under the 2 MB message limit with the protocol's framing. */
const EDIT_CHARS = 1.5 * MB;
const EDITS = 11;

let srv: TestServer;
const clients: TestClient[] = [];

beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await srv?.close();
});

/** Digest of the rich body (the "default" fragment the editor and restore use). */
const bodyDigest = (doc: Y.Doc) => createHash('sha256').update(doc.getXmlFragment('default').toString()).digest('hex');

function open(docId: string, owner: { client: ApiClient }): TestClient {
  const c = connect(srv.wsUrl, docId, owner, { saved: true });
  clients.push(c);
  return c;
}

describe('a document past 16 MB', () => {
  it('is saved, snapshotted, reloaded after a restart, versioned, viewed and restored', async () => {
    const owner = await signupUser(srv.url, 'Owner');
    const space = await owner.client.post('/api/spaces', { name: 'Archive PLC', kind: 'plc' });
    const created = await owner.client.post(`/api/spaces/${space.body.space.id}/docs`, { title: 'Big', template: 'blank' });
    expect(created.status).toBe(201);
    const docId: string = created.body.doc.id;

    const a = open(docId, owner);
    await synced(a);
    const frag = a.doc.getXmlFragment('default');
    for (let i = 0; i < EDITS; i++) {
      // Random base64 text: incompressible enough that the state really is this large.
      const p = new Y.XmlElement('paragraph');
      p.insert(0, [new Y.XmlText(randomBytes((EDIT_CHARS * 3) / 4).toString('base64'))]);
      a.doc.transact(() => frag.push([p]));
    }
    const size = Y.encodeStateAsUpdate(a.doc).byteLength;
    expect(size).toBeGreaterThan(16 * MB);
    await waitFor(() => a.saved.length > 0 && covers(a.saved[a.saved.length - 1]!, a.doc), 'a saved acknowledgement of every edit', 40_000);
    const digest = bodyDigest(a.doc);

    const named = await owner.client.post(`/api/docs/${docId}/versions`, { name: 'Whole year' });
    expect(named.status).toBe(201);
    const versionId: string = named.body.version.id;

    // Restart on the same data: closing snapshots the room (a state past 16 MB), the new process loads it.
    a.destroy();
    const dataDir = srv.dataDir;
    await srv.close({ keepData: true });
    srv = await startServer({ dataDir });
    // The same login, at the new port.
    owner.client = Object.assign(new ApiClient(srv.url), { cookie: owner.client.cookie });
    const snaps = await srv.store.collection<{ _id: string; docId: string; size?: number; blob?: string }>(SNAPSHOTS).find({ docId });
    expect(snaps).toHaveLength(1);
    expect(snaps[0]!.size).toBeGreaterThan(16 * MB);
    // Kept as several chunks, each under the record limit.
    const head = await srv.store.collection<{ _id: string; chunks: number }>(STATES).findOne({ _id: snaps[0]!.blob });
    expect(head?.chunks).toBeGreaterThan(4);

    // The version names its chunks (no single record holds its state).
    const meta = await srv.store.collection<{ _id: string; blob?: string }>('docVersions').findOne({ _id: versionId });
    expect((await srv.store.collection<{ _id: string; chunks: number }>('docVersionBlobs').findOne({ _id: meta?.blob ?? '' }))?.chunks).toBeGreaterThan(4);

    const b = open(docId, owner);
    await synced(b, 20_000);
    expect(bodyDigest(b.doc)).toBe(digest);

    const viewed = await owner.client.get(`/api/docs/${docId}/versions/${versionId}`);
    expect(viewed.status).toBe(200);
    const version = new Y.Doc();
    Y.applyUpdate(version, Buffer.from(viewed.body.state, 'base64'));
    expect(bodyDigest(version)).toBe(digest);

    // An edit on top, then the restore brings the whole year back (as a new edit, after "Before restore").
    const blocks = b.doc.getXmlFragment('default').length;
    b.doc.transact(() => b.doc.getXmlFragment('default').delete(0, 3));
    await waitFor(() => covers(b.saved[b.saved.length - 1] ?? new Uint8Array([0]), b.doc), 'the deletion saved', 20_000);
    expect(bodyDigest(b.doc)).not.toBe(digest);
    const restored = await owner.client.post(`/api/docs/${docId}/versions/${versionId}/restore`, {});
    expect(restored.status).toBe(200);
    await waitFor(() => bodyDigest(b.doc) === digest, 'the restored content at the client', 30_000);

    const list = await owner.client.get(`/api/docs/${docId}/versions`);
    expect(list.body.versions.map((v: { name: string }) => v.name)).toEqual(['Before restore', 'Whole year']);
    expect(b.doc.getXmlFragment('default').length).toBe(blocks);
  }, 120_000);
});
