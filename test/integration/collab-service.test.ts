/**
 * The CollabService the docs feature calls (edit, snapshot, disconnectUser, setArchived, flushAll),
 * awareness relay and cleanup, and the document's updatedAt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE_ARCHIVED, CLOSE_FORBIDDEN } from '../../shared/collab';
import { UPDATES } from '../../server/collab/updateLog';
import { connect, createSpaceWithOwner, insertDoc, startCollabServer, synced, waitFor, type CollabTestServer, type TestClient } from '../helpers/collab';

let s: CollabTestServer;
let space: Awaited<ReturnType<typeof createSpaceWithOwner>>;
const clients: TestClient[] = [];

beforeAll(async () => {
  s = await startCollabServer({ collab: { storedIntervalMs: 50 } });
  space = await createSpaceWithOwner(s.url);
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await s.close();
});

function open(...args: Parameters<typeof connect>) {
  const c = connect(...args);
  clients.push(c);
  return c;
}

async function stored(docId: string): Promise<Y.Doc> {
  const rows = await s.store.collection<{ _id: string; update: Uint8Array }>(UPDATES).find({ docId });
  const d = new Y.Doc();
  for (const r of rows) Y.applyUpdate(d, r.update);
  return d;
}

describe('CollabService', () => {
  it('edit() is durable when it resolves and reaches connected clients', async () => {
    const docId = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
    const c = open(s.wsUrl, docId, space.owner);
    await synced(c);
    await s.collab.service.edit(docId, (d) => d.getText('t').insert(0, 'from the server'));
    expect((await stored(docId)).getText('t').toString()).toBe('from the server');
    await waitFor(() => c.doc.getText('t').toString() === 'from the server', 'server edit broadcast');
  });

  it('edit() on a document nobody has open loads it, and snapshot() reads it back', async () => {
    for (const c of clients.splice(0)) c.destroy();
    const docId = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
    await s.collab.service.edit(docId, (d) => d.getMap('meta').set('allocation', 5000));
    await s.collab.service.edit(docId, (d) => d.getMap('meta').set('note', 'second'));
    const d = new Y.Doc();
    Y.applyUpdate(d, await s.collab.service.snapshot(docId));
    expect(d.getMap('meta').toJSON()).toEqual({ allocation: 5000, note: 'second' });
    // After the room unloads the snapshot comes from the store.
    await waitFor(() => s.collab.stats().rooms === 0, 'unload');
    const again = new Y.Doc();
    Y.applyUpdate(again, await s.collab.service.snapshot(docId));
    expect(again.getMap('meta').toJSON()).toEqual({ allocation: 5000, note: 'second' });
  });

  it('disconnectUser() closes that user’s connections in the space', async () => {
    const docId = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
    const p = await space.addPerson('member');
    const c = open(s.wsUrl, docId, p);
    const o = open(s.wsUrl, docId, space.owner);
    await Promise.all([synced(c), synced(o)]);
    s.collab.service.disconnectUser(space.spaceId, p.user.id, CLOSE_FORBIDDEN, 'removed');
    await waitFor(() => c.closes.some((e) => e.code === CLOSE_FORBIDDEN), 'closed');
    expect(o.closes).toEqual([]);
  });

  it('setArchived() closes live connections with 4410 and keeps the room read-only; restoring lets members edit again', async () => {
    const docId = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
    const a = open(s.wsUrl, docId, space.owner);
    const b = open(s.wsUrl, docId, space.owner);
    await Promise.all([synced(a), synced(b)]);
    // As PATCH /api/docs/:id does: the record first, then the live room.
    await s.docs.update(docId, { archived: true });
    s.collab.service.setArchived(docId, true);
    await waitFor(() => a.closes.some((e) => e.code === CLOSE_ARCHIVED) && b.closes.some((e) => e.code === CLOSE_ARCHIVED), 'closed with 4410');
    // 44xx: the stock client does not reconnect by itself. Reopened, their edits are dropped.
    a.provider.connect();
    b.provider.connect();
    await waitFor(() => a.provider.wsconnected && b.provider.wsconnected, 'reconnected');
    a.doc.getText('t').insert(0, 'dropped');
    await new Promise((r) => setTimeout(r, 150));
    expect(b.doc.getText('t').toString()).toBe('');
    expect((await stored(docId)).getText('t').toString()).toBe('');
    a.doc.getText('t').delete(0, a.doc.getText('t').length);

    await s.docs.update(docId, { archived: false });
    s.collab.service.setArchived(docId, false);
    b.doc.getText('t').insert(0, 'kept');
    await waitFor(() => a.doc.getText('t').toString().includes('kept'), 'edit after restore');
    expect((await stored(docId)).getText('t').toString()).toBe('kept');
  });

  it('flushAll() resolves with everything stored', async () => {
    const docId = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
    const a = open(s.wsUrl, docId, space.owner);
    await synced(a);
    const t = a.doc.getText('t');
    for (let i = 0; i < 10; i++) t.insert(t.length, `${i}`);
    // flushAll() stores what the server holds: wait until all ten edits reached it (a second client sees them).
    const seen = open(s.wsUrl, docId, space.owner);
    await waitFor(() => seen.doc.getText('t').toString() === '0123456789', 'the edits on the server');
    await s.collab.service.flushAll();
    expect((await stored(docId)).getText('t').toString()).toBe('0123456789');
  });

  it('touches the document’s updatedAt after edits', async () => {
    const docId = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
    const before = (await s.docs.byId(docId))!.updatedAt.getTime();
    await new Promise((r) => setTimeout(r, 10));
    await s.collab.service.edit(docId, (d) => d.getText('t').insert(0, 'x'));
    const deadline = Date.now() + 2000;
    while ((await s.docs.byId(docId))!.updatedAt.getTime() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect((await s.docs.byId(docId))!.updatedAt.getTime()).toBeGreaterThan(before);
  });
});

describe('awareness', () => {
  it('is relayed (guests included) and removed when the connection closes', async () => {
    const docId = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
    const guest = await space.addPerson('guest');
    const a = open(s.wsUrl, docId, guest);
    const b = open(s.wsUrl, docId, space.owner);
    await Promise.all([synced(a), synced(b)]);
    a.provider.awareness.setLocalStateField('user', { name: 'Guest', color: '#c33' });
    await waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Guest', 'presence arrives');
    // Late joiners get current presence on connect.
    const late = open(s.wsUrl, docId, space.owner);
    await synced(late);
    await waitFor(() => late.provider.awareness.getStates().has(a.doc.clientID), 'presence for late joiner');
    // A closed connection's presence is cleaned up by the server (not by the leaving client).
    // Drop the socket without a goodbye, like a closed laptop lid.
    (a.provider.ws as unknown as import('ws').WebSocket).terminate();
    a.provider.shouldConnect = false;
    await waitFor(() => !b.provider.awareness.getStates().has(a.doc.clientID), 'presence removed', 5_000);
  });
});
