/** History over real HTTP + the stock y-websocket client: named versions, fetch, restore on top, automatic versions. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { signupUser, startServer, type TestServer } from '../helpers/server';
import { viewOfStore, withMethods } from '../helpers/stores';
import type { Collection, Doc, Filter, Store } from '../../server/store/port';

let srv: TestServer;
const open = new Set<WebsocketProvider>();
let clock = Date.now();
type U = Awaited<ReturnType<typeof signupUser>>;
let fac: U, guest: U;
let spaceId: string;
const HOUR = 60 * 60 * 1000;

function connect(u: U, docId: string) {
  const cookie = u.client.cookie;
  class CookieWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie } });
    }
  }
  const ydoc = new Y.Doc();
  const provider = new WebsocketProvider(`${srv.wsUrl}/yjs`, docId, ydoc, {
    WebSocketPolyfill: CookieWebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  // Message type 100 (saved acknowledgement): the stock provider does not know it; read and ignore it.
  provider.messageHandlers[100] = (_enc, dec) => void decoding.readVarUint8Array(dec);
  open.add(provider);
  const synced = new Promise<void>((resolve) => provider.once('sync', () => resolve()));
  return { ydoc, provider, synced };
}

async function waitFor(check: () => Promise<boolean> | boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

const text = (doc: Y.Doc) => doc.getXmlFragment('default').toString();
const exported = async (docId: string) => (await fac.client.get(`/api/docs/${docId}/export?format=markdown`)).body as string;

function setBody(doc: Y.Doc, s: string) {
  const frag = doc.getXmlFragment('default');
  doc.transact(() => {
    frag.delete(0, frag.length);
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText(s)]);
    frag.insert(0, [p]);
  });
}

/**
 * A slow store reply, switched on by a test: while `thinning.hold` is set, the query that thins old
 * automatic versions (docVersions, createdAt $lt) waits for it; `thinning.reached` counts those queries,
 * `docReads` the reads of one document by id, `touches` the updates of its updatedAt.
 */
const thinning = { hold: null as Promise<void> | null, reached: 0 };
const watched = { docId: '', docReads: 0, touches: 0 };
function slowThinning(store: Store): Store {
  return viewOfStore(store, <T extends Doc>(name: string, c: Collection<T>): Collection<T> => {
    if (name === 'docVersions') {
      return withMethods(c, {
        async find(filter: Filter, options?: Parameters<Collection<T>['find']>[1]) {
          const createdAt = filter.createdAt as Record<string, unknown> | undefined;
          if (createdAt && '$lt' in createdAt && thinning.hold) {
            thinning.reached++;
            await thinning.hold;
          }
          return c.find(filter, options);
        },
      });
    }
    if (name === 'docs') {
      return withMethods(c, {
        async findOne(filter: Filter) {
          const found = await c.findOne(filter);
          if (filter._id === watched.docId) watched.docReads++;
          return found;
        },
        async updateOne(filter: Filter, update: Parameters<Collection<T>['updateOne']>[1], options?: { upsert?: boolean }) {
          const n = await c.updateOne(filter, update, options);
          if (filter._id === watched.docId) watched.touches++;
          return n;
        },
      });
    }
    return c;
  });
}

beforeAll(async () => {
  srv = await startServer({ now: () => clock, storeFault: slowThinning });
  [fac, guest] = await Promise.all([signupUser(srv.url, 'Fac'), signupUser(srv.url, 'Guest')]);
  spaceId = (await fac!.client.post('/api/spaces', { name: 'History PLC', kind: 'plc' })).body.space.id;
  const inv = await fac!.client.post(`/api/spaces/${spaceId}/invites`, { role: 'guest' });
  await guest!.client.post(`/api/invites/${inv.body.invite.code}/accept`);
});
afterAll(async () => {
  for (const p of open) p.destroy();
  await srv?.close();
});

describe('versions', () => {
  it('names, lists, fetches and restores a version as a new edit, keeping all history', async () => {
    const doc = (await fac.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Unit', template: 'curriculum-unit' })).body.doc;
    const c = connect(fac, doc.id);
    await c.synced;
    setBody(c.ydoc, 'Draft one');
    await waitFor(async () => (await exported(doc.id)).includes('Draft one'));

    const named = await fac.client.post(`/api/docs/${doc.id}/versions`, { name: 'Draft sent to principal' });
    expect(named.status, JSON.stringify(named.body)).toBe(201);
    expect(named.body.version).toMatchObject({ docId: doc.id, name: 'Draft sent to principal', kind: 'named', createdBy: { id: fac.user.id, name: 'Fac' } });
    expect((await guest.client.post(`/api/docs/${doc.id}/versions`, { name: 'Nope' })).status).toBe(403);
    expect((await fac.client.post(`/api/docs/${doc.id}/versions`, { name: '' })).status).toBe(400);

    setBody(c.ydoc, 'Rewritten entirely');
    await waitFor(async () => (await exported(doc.id)).includes('Rewritten entirely'));

    const fetched = await guest.client.get(`/api/docs/${doc.id}/versions/${named.body.version.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.version.name).toBe('Draft sent to principal');
    const old = new Y.Doc();
    Y.applyUpdate(old, Buffer.from(fetched.body.state, 'base64'));
    expect(text(old)).toContain('Draft one');
    expect((await fac.client.get(`/api/docs/${doc.id}/versions/nope`)).status).toBe(404);

    expect((await guest.client.post(`/api/docs/${doc.id}/versions/${named.body.version.id}/restore`)).status).toBe(403);
    const restored = await fac.client.post(`/api/docs/${doc.id}/versions/${named.body.version.id}/restore`);
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    // The connected client receives the restore as an ordinary update.
    await waitFor(() => text(c.ydoc).includes('Draft one') && !text(c.ydoc).includes('Rewritten entirely'));
    expect(await exported(doc.id)).toContain('Draft one');

    const list = await fac.client.get(`/api/docs/${doc.id}/versions`);
    expect(list.body.versions.map((v: { name: string }) => v.name)).toEqual(['Before restore', 'Draft sent to principal']);
    const before = list.body.versions[0];
    const beforeState = (await fac.client.get(`/api/docs/${doc.id}/versions/${before.id}`)).body.state;
    const b = new Y.Doc();
    Y.applyUpdate(b, Buffer.from(beforeState, 'base64'));
    expect(text(b)).toContain('Rewritten entirely');
    c.provider.destroy();
  });

  it('saves an automatic version at most hourly while the document changes', async () => {
    const doc = (await fac.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Auto', template: 'meeting-notes' })).body.doc;
    const c = connect(fac, doc.id);
    await c.synced;
    setBody(c.ydoc, 'First hour');
    await waitFor(async () => (await exported(doc.id)).includes('First hour'));
    const autos = async (who: U = fac) => (await who.client.get(`/api/docs/${doc.id}/versions`)).body.versions.filter((v: { kind: string }) => v.kind === 'auto');
    expect(await autos()).toHaveLength(0); // younger than an hour

    clock += HOUR + 1000;
    // Reading history has no side effects, for members and guests alike: only an edit or the sweep writes one.
    expect(await autos()).toHaveLength(0);
    expect(await autos(guest)).toHaveLength(0);
    expect(await autos()).toHaveLength(0);
    setBody(c.ydoc, 'Second hour');
    await waitFor(async () => (await autos()).length === 1, 8_000);
    setBody(c.ydoc, 'Still the second hour');
    await waitFor(async () => (await exported(doc.id)).includes('Still the second hour'));
    expect(await autos()).toHaveLength(1); // changed, but the last automatic one is recent

    clock += HOUR + 1000;
    setBody(c.ydoc, 'Third hour');
    await waitFor(async () => (await autos()).length === 2, 8_000);
    const after = await autos();
    expect(after[0].name).toBe('Automatic version');
    expect(after[0].createdBy).toBeNull();

    clock += HOUR + 1000;
    expect(await autos()).toHaveLength(2); // nothing changed since, and reads write nothing
    c.provider.destroy();
  });

  it('an edit stored while the previous hour\'s check is still thinning still gets its automatic version', async () => {
    const doc = (await fac.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Slow store', template: 'meeting-notes' })).body.doc;
    const c = connect(fac, doc.id);
    await c.synced;
    const autos = async () => (await fac.client.get(`/api/docs/${doc.id}/versions`)).body.versions.filter((v: { kind: string }) => v.kind === 'auto');
    let release!: () => void;
    thinning.hold = new Promise<void>((r) => (release = r));
    watched.docId = doc.id;
    try {
      // Hour one's edit: its automatic version is saved, then its check waits in the (slow) thinning.
      clock += HOUR + 1000;
      setBody(c.ydoc, 'Hour one');
      await waitFor(async () => thinning.reached === 1 && (await autos()).length === 1, 8_000);
      // Hour two's edit is stored and its check asked for while hour one's still runs.
      clock += HOUR + 1000;
      const [touches, reads] = [watched.touches, watched.docReads];
      setBody(c.ydoc, 'Hour two');
      await waitFor(() => watched.touches > touches); // stored: updatedAt moved, the hook runs next
      await waitFor(() => watched.docReads > reads); // the hook read the document for its check
      await new Promise((r) => setTimeout(r, 100));
      expect(await autos()).toHaveLength(1);
    } finally {
      thinning.hold = null;
      watched.docId = '';
      release();
    }
    // Hour one's check ends; the check hour two asked for runs then, not at the next sweep.
    await waitFor(async () => (await autos()).length === 2, 8_000);
    expect(await exported(doc.id)).toContain('Hour two');
    c.provider.destroy();
  });

  it('keeps every automatic version for two days, then the last one of each day; named ones always', async () => {
    const doc = (await fac.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Long lived', template: 'meeting-notes' })).body.doc;
    const c = connect(fac, doc.id);
    await c.synced;
    type V = { id: string; kind: string; name: string; createdAt: string };
    const list = async (): Promise<V[]> => (await fac.client.get(`/api/docs/${doc.id}/versions`)).body.versions;
    const autos = async () => (await list()).filter((v) => v.kind === 'auto');
    // Thirty hours of hourly edits: thirty automatic versions, spanning one or two UTC days.
    for (let i = 0; i < 30; i++) {
      clock += HOUR + 1000;
      setBody(c.ydoc, `Edit ${i}`);
      await waitFor(async () => (await exported(doc.id)).includes(`Edit ${i}`));
      // The stored edit runs the hourly check (listing only reads).
      await waitFor(async () => (await autos()).length === i + 1, 8_000);
      if (i === 10) expect((await fac.client.post(`/api/docs/${doc.id}/versions`, { name: 'Draft for the team' })).status).toBe(201);
    }
    const before = await autos();
    expect(before).toHaveLength(30);
    const days = new Set(before.map((v) => v.createdAt.slice(0, 10)));
    const lastOfEachDay = [...days].map((day) => before.find((v) => v.createdAt.startsWith(day))!.id); // newest first

    // Three days later another edit: the new automatic version, plus one per day for the old ones.
    clock += 3 * 24 * HOUR;
    setBody(c.ydoc, 'Back after the weekend');
    await waitFor(async () => (await exported(doc.id)).includes('weekend'));
    await waitFor(async () => (await autos()).length === 1 + days.size, 8_000);
    const after = await autos();
    expect(after.slice(1).map((v) => v.id)).toEqual(lastOfEachDay);
    expect((await list()).filter((v) => v.name === 'Draft for the team')).toHaveLength(1);
    // A kept version still opens; a thinned one is gone.
    expect((await fac.client.get(`/api/docs/${doc.id}/versions/${lastOfEachDay[0]}`)).status).toBe(200);
    const gone = before.find((v) => !lastOfEachDay.includes(v.id))!;
    expect((await fac.client.get(`/api/docs/${doc.id}/versions/${gone.id}`)).status).toBe(404);
    c.provider.destroy();
  });
});
