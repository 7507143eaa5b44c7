/**
 * The collab endpoint with stock WebsocketProvider clients: convergence, late joiners, saved
 * acknowledgements, restarts on the same data dir, and rooms leaving memory after the last client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SNAPSHOTS, UPDATES } from '../../server/collab/updateLog';
import { connect, covers, upgradeStatus, createSpaceWithOwner, insertDoc, patchCollection, startCollabServer, synced, waitFor, type CollabTestServer, type TestClient } from '../helpers/collab';

let server: CollabTestServer | null = null;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close();
  server = null;
});

function open(...args: Parameters<typeof connect>) {
  const c = connect(...args);
  clients.push(c);
  return c;
}

async function setup() {
  server = await startCollabServer();
  const space = await createSpaceWithOwner(server.url);
  const member = await space.addPerson('member');
  const docId = await insertDoc(server.docs, space.spaceId, space.owner.user.id);
  return { s: server, space, member, docId };
}

describe('collab sync', () => {
  it('two clients converge', async () => {
    const { s, space, member, docId } = await setup();
    const a = open(s.wsUrl, docId, space.owner);
    const b = open(s.wsUrl, docId, member);
    await Promise.all([synced(a), synced(b)]);
    a.doc.getText('t').insert(0, 'hello ');
    b.doc.getText('t').insert(0, 'world ');
    await waitFor(() => a.doc.getText('t').toString().length === 12 && b.doc.getText('t').toString().length === 12, 'convergence');
    expect(a.doc.getText('t').toString()).toBe(b.doc.getText('t').toString());
  });

  it('a late joiner receives the full state', async () => {
    const { s, space, member, docId } = await setup();
    const a = open(s.wsUrl, docId, space.owner);
    await synced(a);
    a.doc.getXmlFragment('default').insert(0, [new Y.XmlText('Desired results')]);
    a.doc.getMap('meta').set('allocation', 1200);
    const late = open(s.wsUrl, docId, member);
    await synced(late);
    await waitFor(() => late.doc.getMap('meta').get('allocation') === 1200, 'late state');
    expect(late.doc.getXmlFragment('default').toString()).toBe(a.doc.getXmlFragment('default').toString());
  });

  it('the saved acknowledgement covers the client edits, and only clients that asked get it', async () => {
    const { s, space, member, docId } = await setup();
    const a = open(s.wsUrl, docId, space.owner, { saved: true });
    const plain = open(s.wsUrl, docId, member);
    const unknown: number[] = [];
    plain.provider.messageHandlers[100] = () => unknown.push(100);
    await Promise.all([synced(a), synced(plain)]);
    const text = a.doc.getText('t');
    for (let i = 0; i < 20; i++) text.insert(text.length, `k${i}`);
    await waitFor(() => a.saved.some((sv) => covers(sv, a.doc)), 'saved ack covering the edits');
    // Durable before acknowledged: the store already holds them.
    const rows = await s.store.collection<{ _id: string; update: Uint8Array }>(UPDATES).find({ docId });
    const check = new Y.Doc();
    for (const r of rows) Y.applyUpdate(check, r.update);
    expect(check.getText('t').toString()).toBe(text.toString());
    await waitFor(() => plain.doc.getText('t').length === text.length, 'plain client converged');
    expect(unknown).toEqual([]);
    // Grouped writes: 20 keystrokes in one turn cost far fewer store writes.
    expect(rows.length).toBeLessThan(20);
  });

  it('a restart on the same data dir keeps everything', async () => {
    const { s, space, docId } = await setup();
    const a = open(s.wsUrl, docId, space.owner, { saved: true });
    await synced(a);
    a.doc.getText('t').insert(0, 'kept across restarts');
    await waitFor(() => a.saved.some((sv) => covers(sv, a.doc)), 'saved');
    const expected = a.doc.getText('t').toString();
    clients.splice(0).forEach((c) => c.destroy());
    const dataDir = s.dataDir;
    await s.close({ keepData: true });
    server = await startCollabServer({ dataDir });
    const b = open(server.wsUrl, docId, space.owner);
    await synced(b);
    await waitFor(() => b.doc.getText('t').toString() === expected, 'state after restart');
  });

  it('a room unloads after its last client leaves and reloads correctly', async () => {
    const { s, space, member, docId } = await setup();
    const a = open(s.wsUrl, docId, space.owner, { saved: true });
    await synced(a);
    a.doc.getText('t').insert(0, 'before unload');
    await waitFor(() => a.saved.some((sv) => covers(sv, a.doc)), 'saved');
    a.destroy();
    // unloadDelayMs is 200 in tests; the room flushes, snapshots and leaves memory.
    const snapshotOf = async () => s.collab.service.snapshot(docId);
    await waitFor(() => s.collab.stats().rooms === 0, 'room unloaded');
    const state = await snapshotOf();
    const d = new Y.Doc();
    Y.applyUpdate(d, state);
    expect(d.getText('t').toString()).toBe('before unload');
    expect(s.collab.stats().rooms).toBe(0);
    const b = open(s.wsUrl, docId, member);
    await synced(b);
    await waitFor(() => b.doc.getText('t').toString() === 'before unload', 'reloaded state');
    b.doc.getText('t').insert(0, '+');
    await waitFor(() => s.collab.stats().rooms === 1, 'room live');
  });

  it('a document that fails to load refuses the connection (503) instead of serving it empty', async () => {
    let failLoads = true;
    // Reads of the update log fail while failLoads is set; everything else works.
    const wrapStore = patchCollection(UPDATES, (c) => ({
      find: async (f, o) => {
        if (failLoads) throw new Error('disk on fire');
        return c.find(f, o);
      },
    }));
    server = await startCollabServer({ wrapStore });
    const space = await createSpaceWithOwner(server.url);
    const docId = await insertDoc(server.docs, space.spaceId, space.owner.user.id);
    const res = await upgradeStatus(server.wsUrl, `/yjs/${docId}`, { cookie: space.owner.client.cookie });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'unavailable' } });
    expect(server.collab.stats().rooms).toBe(0);
    failLoads = false;
    const c = open(server.wsUrl, docId, space.owner);
    await synced(c);
  });

  it('drops a peer that stopped answering pings, so its room can leave memory', async () => {
    server = await startCollabServer({ collab: { heartbeatMs: 100 } });
    const space = await createSpaceWithOwner(server.url);
    const docId = await insertDoc(server.docs, space.spaceId, space.owner.user.id);
    const { WebSocket } = await import('ws');
    // autoPong off: a peer that vanished without closing its TCP connection.
    const ghost = new WebSocket(`${server.wsUrl}/yjs/${docId}`, { headers: { cookie: space.owner.client.cookie }, autoPong: false });
    const closed = new Promise<number>((r) => ghost.on('close', (code) => r(code)));
    await new Promise((r) => ghost.once('open', r));
    expect(server.collab.stats().connections).toBe(1);
    expect(await closed).toBe(1006);
    await waitFor(() => server!.collab.stats().rooms === 0, 'room unloaded');
  });

  it('re-sending content the server already has still gets a saved acknowledgement', async () => {
    const { s, space, docId } = await setup();
    const a = open(s.wsUrl, docId, space.owner, { saved: true });
    await synced(a);
    a.doc.getText('t').insert(0, 'offline edit');
    await waitFor(() => a.saved.some((sv) => covers(sv, a.doc)), 'first ack');
    // A second client holding the same content re-sends it (as after an offline reconnect).
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(a.doc));
    const b = open(s.wsUrl, docId, space.owner, { saved: true, doc: copy });
    await synced(b);
    const before = b.saved.length;
    const { encoding } = { encoding: await import('lib0/encoding') };
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, 2);
    encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(copy));
    b.provider.ws!.send(encoding.toUint8Array(e));
    await waitFor(() => b.saved.length > before && covers(b.saved.at(-1)!, copy), 'ack for known content');
  });

  it('concurrent connects to a cold document share one load', async () => {
    let snapshotReads = 0;
    const wrapStore = patchCollection(SNAPSHOTS, (c) => ({
      find: async (f, o) => {
        snapshotReads++;
        // Slow store: every connect below arrives while the first load is still running.
        await new Promise((r) => setTimeout(r, 50));
        return c.find(f, o);
      },
    }));
    server = await startCollabServer({ wrapStore });
    const space = await createSpaceWithOwner(server.url);
    const docId = await insertDoc(server.docs, space.spaceId, space.owner.user.id);
    await server.collab.service.edit(docId, (d) => d.getText('t').insert(0, 'shared'));
    await waitFor(() => server!.collab.stats().rooms === 0, 'unloaded');
    snapshotReads = 0;
    const cs = Array.from({ length: 5 }, () => open(server!.wsUrl, docId, space.owner));
    await Promise.all(cs.map((c) => synced(c)));
    for (const c of cs) await waitFor(() => c.doc.getText('t').toString() === 'shared', 'state');
    expect(snapshotReads).toBe(1);
    expect(server.collab.stats().rooms).toBe(1);
  });
});
