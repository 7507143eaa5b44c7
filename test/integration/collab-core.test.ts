/**
 * The collab core on its own: createCollab on a bare HTTP server (port 0) with a fake hook set standing in
 * for the docs feature, the real embedded store, and stock WebsocketProvider clients. Shows what the core
 * does with each hook's answer: refusals, read-only grants, existence, "stored", the injected limiter,
 * and the service's reach into open connections.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { CLOSE_FORBIDDEN, CLOSE_GOING_AWAY, CLOSE_RATE_LIMITED, messageSaved } from '../../shared/collab';
import { COLLAB_INDEXES, createCollab, UpgradeRefusal, type Collab, type CollabHooks, type DocAccess } from '../../server/collab';
import { createLogger } from '../../server/logger';
import { openEmbeddedStore } from '../../server/store/embedded';
import type { Store } from '../../server/store/port';
import { tempDir } from '../helpers/server';
import { socketClassWith, upgradeStatus, waitFor } from '../helpers/collab';

/** The documents the fake mounter knows: who may read and who may edit each. */
const DOCS = new Map<string, { spaceId: string; readers: string[]; editors: string[]; archived?: boolean }>([
  ['doc1', { spaceId: 'g1', readers: ['ann', 'bob', 'cyd'], editors: ['ann', 'bob'] }],
  ['doc2', { spaceId: 'g2', readers: ['ann'], editors: ['ann'] }],
  ['doc3', { spaceId: 'g1', readers: ['ann', 'bob'], editors: ['ann', 'bob'] }],
]);

const stored: string[] = [];
let denyMessages = false;
let limiterCalls = 0;

/** Fake hooks: the user comes from an `x-user` header, the login from `x-login`; Origin must not be evil. */
const hooks: CollabHooks = {
  async onAuthenticate(req) {
    if (req.headers.origin === 'https://evil.example') throw new UpgradeRefusal('forbidden', 'bad origin');
    const user = req.headers['x-user'];
    if (typeof user !== 'string') throw new UpgradeRefusal('authentication_required', 'who are you?');
    return { userId: user, loginId: String(req.headers['x-login'] ?? `${user}-login`) };
  },
  async onAccess(user, docId): Promise<DocAccess> {
    const doc = DOCS.get(docId);
    if (!doc) throw new UpgradeRefusal('not_found', 'no such doc');
    if (!doc.readers.includes(user.userId)) throw new UpgradeRefusal('forbidden', 'not yours');
    return { spaceId: doc.spaceId, canEdit: doc.editors.includes(user.userId), archived: doc.archived ?? false };
  },
  async onLoadDocument(docId) {
    const doc = DOCS.get(docId);
    return doc ? { archived: doc.archived ?? false } : null;
  },
  async onStoreDocument(docId) {
    stored.push(docId);
  },
};

let dir: string;
let store: Store;
let http: Server;
let collab: Collab;
let wsUrl: string;
const providers: WebsocketProvider[] = [];

beforeAll(async () => {
  dir = tempDir('collab-core-');
  store = await openEmbeddedStore(dir);
  await store.ensureIndexes(COLLAB_INDEXES);
  collab = createCollab({
    store,
    logger: createLogger('silent'),
    hooks,
    limiter: {
      async consume() {
        limiterCalls++;
        return !denyMessages;
      },
    },
    maxMessageBytes: 1024 * 1024,
    options: { unloadDelayMs: 100, storedIntervalMs: 20 },
  });
  http = createServer((_req, res) => res.writeHead(404).end());
  collab.attach(http);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  wsUrl = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const p of providers) p.destroy();
  await collab.close();
  await new Promise((r) => http.close(r));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A stock provider as `user`; records close codes. */
function open(user: string, docId: string, extra: Record<string, string> = {}) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${wsUrl}/yjs`, docId, doc, {
    WebSocketPolyfill: socketClassWith({ 'x-user': user, ...extra }) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 200,
  });
  provider.messageHandlers[messageSaved] = () => undefined;
  const closes: number[] = [];
  provider.on('connection-close', (e) => e && closes.push(e.code));
  providers.push(provider);
  return { doc, provider, closes, text: doc.getText('t') };
}
const synced = (c: { provider: WebsocketProvider }) => waitFor(() => c.provider.synced, 'sync');

describe('upgrades ask the hooks', () => {
  it('refuses with the status of the refusal the hooks throw, before any document byte', async () => {
    expect((await upgradeStatus(wsUrl, '/yjs/doc1', {})).status).toBe(401);
    expect((await upgradeStatus(wsUrl, '/yjs/doc1', { 'x-user': 'ann', origin: 'https://evil.example' })).status).toBe(403);
    expect((await upgradeStatus(wsUrl, '/yjs/nope', { 'x-user': 'ann' })).status).toBe(404);
    expect((await upgradeStatus(wsUrl, '/yjs/a%2Fb', { 'x-user': 'ann' })).status).toBe(404);
    expect((await upgradeStatus(wsUrl, '/yjs/doc2', { 'x-user': 'bob' })).status).toBe(403);
    expect((await upgradeStatus(wsUrl, '/yjs/doc1', { 'x-user': 'cyd' })).status).toBe(101);
  });
});

describe('rooms', () => {
  it('syncs editors, drops a read-only grant’s edits, stores what it takes and calls onStoreDocument', async () => {
    const ann = open('ann', 'doc1');
    const bob = open('bob', 'doc1');
    const cyd = open('cyd', 'doc1');
    await Promise.all([synced(ann), synced(bob), synced(cyd)]);
    ann.text.insert(0, 'hello');
    await waitFor(() => bob.text.toString() === 'hello' && cyd.text.toString() === 'hello', 'converged');
    cyd.text.insert(0, 'READER ');
    bob.text.insert(5, ' world');
    await waitFor(() => ann.text.toString() === 'hello world', 'editor edit');
    await new Promise((r) => setTimeout(r, 100));
    expect(ann.text.toString()).toBe('hello world');
    await waitFor(() => stored.includes('doc1'), 'stored hook');
    const saved = new Y.Doc();
    Y.applyUpdate(saved, await collab.service.snapshot('doc1'));
    expect(saved.getText('t').toString()).toBe('hello world');
    for (const c of [ann, bob, cyd]) c.provider.destroy();
    await waitFor(() => collab.stats().rooms === 0, 'room unloaded');
  });

  it('edit() asks onLoadDocument: an unknown document is refused, a known one loads, stores and broadcasts', async () => {
    await expect(collab.service.edit('ghost', () => undefined)).rejects.toThrow(/unknown document/);
    const ann = open('ann', 'doc3');
    await synced(ann);
    await collab.service.edit('doc3', (d) => d.getText('t').insert(0, 'from the server'));
    await waitFor(() => ann.text.toString() === 'from the server', 'server edit');
    ann.provider.destroy();
  });
});

describe('the service reaches open connections by who and where', () => {
  it('disconnect() closes the picked ones only; setCanEdit() turns editing off in place', async () => {
    const ann = open('ann', 'doc3');
    const bob = open('bob', 'doc3', { 'x-login': 'bob-tablet' });
    const bob2 = open('bob', 'doc3', { 'x-login': 'bob-laptop' });
    await Promise.all([synced(ann), synced(bob), synced(bob2)]);
    collab.service.setCanEdit((c) => c.userId === 'bob', false);
    bob.text.insert(0, 'dropped ');
    ann.text.insert(ann.text.length, '!');
    await waitFor(() => bob.text.toString().endsWith('!'), 'ann still edits');
    await new Promise((r) => setTimeout(r, 100));
    expect(ann.text.toString()).not.toContain('dropped');
    collab.service.disconnect((c) => c.loginId === 'bob-tablet', CLOSE_FORBIDDEN, 'forbidden');
    await waitFor(() => bob.closes.includes(CLOSE_FORBIDDEN), 'tablet closed');
    expect(bob2.closes).toEqual([]);
    expect(ann.closes).toEqual([]);
    for (const c of [ann, bob, bob2]) c.provider.destroy();
  });
});

describe('the injected limiter', () => {
  it('counts every message and closes with 4429 when it says no', async () => {
    const before = limiterCalls;
    const ann = open('ann', 'doc2');
    await synced(ann);
    expect(limiterCalls).toBeGreaterThan(before);
    denyMessages = true;
    ann.text.insert(0, 'too fast');
    await waitFor(() => ann.closes.includes(CLOSE_RATE_LIMITED), 'closed with 4429');
    denyMessages = false;
    ann.provider.destroy();
  });
});

describe('close()', () => {
  it('closes connections with 1001 and keeps what was stored', async () => {
    const ann = open('ann', 'doc2');
    await synced(ann);
    ann.text.insert(0, 'last words');
    // Wait until the room holds it (stored or still queued): close() must flush whatever is queued.
    const roomText = async () => {
      const d = new Y.Doc();
      Y.applyUpdate(d, await collab.service.snapshot('doc2'));
      return d.getText('t').toString();
    };
    for (let i = 0; i < 100 && !(await roomText()).includes('last words'); i++) await new Promise((r) => setTimeout(r, 20));
    await collab.close();
    await waitFor(() => ann.closes.includes(CLOSE_GOING_AWAY), 'closed with 1001');
    ann.provider.shouldConnect = false;
    const { createUpdateLog } = await import('../../server/collab/updateLog');
    const loaded = await createUpdateLog(store, Date.now).load('doc2');
    expect(loaded.doc.getText('t').toString()).toContain('last words');
  });
});
