/**
 * Auth at the Yjs upgrade and afterwards: refused upgrades answer HTTP before any document byte;
 * logout, removal and demotion reach open connections; guests are read-only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE_AUTH_REQUIRED, CLOSE_FORBIDDEN } from '../../shared/collab';
import { UPDATES } from '../../server/collab/updateLog';
import { signupUser } from '../helpers/server';
import {
  connect,
  createSpaceWithOwner,
  insertDoc,
  startCollabServer,
  synced,
  upgradeStatus,
  waitFor,
  type CollabTestServer,
  type TestClient,
} from '../helpers/collab';

let s: CollabTestServer;
let space: Awaited<ReturnType<typeof createSpaceWithOwner>>;
let docId: string;
const clients: TestClient[] = [];

beforeAll(async () => {
  s = await startCollabServer();
  space = await createSpaceWithOwner(s.url);
  docId = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
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

async function storedText(id: string): Promise<string> {
  const rows = await s.store.collection<{ _id: string; update: Uint8Array }>(UPDATES).find({ docId: id });
  const d = new Y.Doc();
  for (const r of rows) Y.applyUpdate(d, r.update);
  return d.getText('t').toString();
}

describe('refused upgrades', () => {
  it('no cookie: 401 with the JSON error body', async () => {
    const res = await upgradeStatus(s.wsUrl, `/yjs/${docId}`, {});
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'authentication_required' } });
  });

  it('wrong Origin: 403', async () => {
    const res = await upgradeStatus(s.wsUrl, `/yjs/${docId}`, { cookie: space.owner.client.cookie, origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('same-host Origin is accepted', async () => {
    const res = await upgradeStatus(s.wsUrl, `/yjs/${docId}`, { cookie: space.owner.client.cookie, origin: s.url });
    expect(res.status).toBe(101);
  });

  it('a stranger (signed in, not a member): 403', async () => {
    const stranger = await signupUser(s.url, 'Stranger');
    const res = await upgradeStatus(s.wsUrl, `/yjs/${docId}`, { cookie: stranger.client.cookie });
    expect(res.status).toBe(403);
  });

  it('unknown and malformed documents: 404', async () => {
    const cookie = space.owner.client.cookie;
    expect((await upgradeStatus(s.wsUrl, '/yjs/AAAAAAAAAAAAAAAAAAAAAA', { cookie })).status).toBe(404);
    expect((await upgradeStatus(s.wsUrl, '/yjs/..%2F..%2Fetc', { cookie })).status).toBe(404);
    expect((await upgradeStatus(s.wsUrl, '/yjs/', { cookie })).status).toBe(404);
  });

  it('leaves Socket.IO upgrades alone (WebSocket transport on the same server)', async () => {
    const { io } = await import('socket.io-client');
    const socket = io(s.url, { transports: ['websocket'], extraHeaders: { cookie: space.owner.client.cookie }, reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (err) => reject(err));
      });
      expect(socket.io.engine.transport.name).toBe('websocket');
    } finally {
      socket.close();
    }
  });
});

describe('after the upgrade', () => {
  it('logout closes the session’s connections with 4401', async () => {
    const p = await space.addPerson('member');
    const c = open(s.wsUrl, docId, p);
    await synced(c);
    const res = await p.client.post('/api/auth/logout');
    expect(res.status).toBe(204);
    await waitFor(() => c.closes.some((e) => e.code === CLOSE_AUTH_REQUIRED), '4401');
  });

  it('a removed member is disconnected with 4403 and cannot come back', async () => {
    const p = await space.addPerson('member');
    const c = open(s.wsUrl, docId, p);
    await synced(c);
    const res = await space.owner.client.delete(`/api/spaces/${space.spaceId}/members/${p.user.id}`);
    expect(res.status).toBe(204);
    await waitFor(() => c.closes.some((e) => e.code === CLOSE_FORBIDDEN), '4403');
    expect((await upgradeStatus(s.wsUrl, `/yjs/${docId}`, { cookie: p.client.cookie })).status).toBe(403);
  });

  it('a guest reads along but its edits never reach other clients or the store', async () => {
    const id = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
    const guest = await space.addPerson('guest');
    const g = open(s.wsUrl, id, guest, { saved: true });
    const m = open(s.wsUrl, id, space.owner, { saved: true });
    await Promise.all([synced(g), synced(m)]);
    g.doc.getText('t').insert(0, 'GUEST');
    // A later member edit reaches the guest, so the guest's earlier message was processed (and dropped).
    m.doc.getText('t').insert(0, 'member');
    await waitFor(() => g.doc.getText('t').toString().includes('member'), 'guest receives member edit');
    await waitFor(() => m.saved.length > 1, 'member edit saved');
    expect(m.doc.getText('t').toString()).toBe('member');
    expect(await storedText(id)).toBe('member');
    // A fresh reader sees no trace of the guest's text either.
    const fresh = open(s.wsUrl, id, space.owner);
    await synced(fresh);
    await waitFor(() => fresh.doc.getText('t').toString() === 'member', 'fresh reader state');
  });

  it('a member demoted to guest stops editing on the same connection', async () => {
    const id = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
    const p = await space.addPerson('member');
    const c = open(s.wsUrl, id, p);
    const o = open(s.wsUrl, id, space.owner);
    await Promise.all([synced(c), synced(o)]);
    c.doc.getText('t').insert(0, 'a');
    await waitFor(() => o.doc.getText('t').toString() === 'a', 'member edit arrives');
    const res = await space.owner.client.patch(`/api/spaces/${space.spaceId}/members/${p.user.id}`, { role: 'guest' });
    expect(res.status).toBe(200);
    c.doc.getText('t').insert(1, 'X');
    o.doc.getText('t').insert(0, 'b');
    await waitFor(() => c.doc.getText('t').toString().startsWith('b'), 'owner edit arrives');
    expect(o.doc.getText('t').toString()).toBe('ba');
  });

  it('an archived document is read-only', async () => {
    const id = await insertDoc(s.docs, space.spaceId, space.owner.user.id, { archived: true });
    const c = open(s.wsUrl, id, space.owner);
    await synced(c);
    c.doc.getText('t').insert(0, 'nope');
    await new Promise((r) => setTimeout(r, 100));
    expect(await storedText(id)).toBe('');
  });
});
