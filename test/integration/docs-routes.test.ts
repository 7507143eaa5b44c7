/**
 * Docs over real HTTP and the stock y-websocket client: rights per role, rename/archive/restore, bad input,
 * export of every template (and of text typed through a WebsocketProvider), budget CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { TEMPLATES } from '../../shared/templates';
import { ApiClient, signupUser, startServer, type ApiResponse, type TestServer } from '../helpers/server';

let srv: TestServer;
const open = new Set<WebsocketProvider>();
type U = Awaited<ReturnType<typeof signupUser>>;
let fac: U, member: U, guest: U, stranger: U;
let spaceId: string;

function expectError(res: ApiResponse, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error.code).toBe(code);
}

async function join(u: U, role: string) {
  const inv = await fac.client.post(`/api/spaces/${spaceId}/invites`, { role });
  expect(inv.status).toBe(201);
  const acc = await u.client.post(`/api/invites/${inv.body.invite.code}/accept`);
  expect(acc.status, JSON.stringify(acc.body)).toBe(200);
}

async function createDoc(u: U, template: string, title = `A ${template}`) {
  const res = await u.client.post(`/api/spaces/${spaceId}/docs`, { title, template });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.doc as { id: string; title: string };
}

/** A stock WebsocketProvider in Node, authenticated by the user's session cookie. */
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
    params: { saved: '1' },
  });
  // Message type 100 (saved acknowledgement): the stock provider does not know it; read and ignore it.
  provider.messageHandlers[100] = (_enc, dec) => void decoding.readVarUint8Array(dec);
  open.add(provider);
  const synced = new Promise<void>((resolve) => (provider.synced ? resolve() : provider.once('sync', () => resolve())));
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

beforeAll(async () => {
  srv = await startServer();
  [fac, member, guest, stranger] = (await Promise.all(['Fac', 'Member', 'Guest', 'Stranger'].map((n) => signupUser(srv.url, n)))) as [U, U, U, U];
  const res = await fac.client.post('/api/spaces', { name: 'Math PLC', kind: 'plc' });
  spaceId = res.body.space.id;
  await join(member, 'member');
  await join(guest, 'guest');
});
afterAll(async () => {
  for (const p of open) p.destroy();
  await srv?.close();
});

describe('document rights', () => {
  it('facilitators and members create; guests get 403; strangers 404; anonymous 401', async () => {
    const a = await fac.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Unit 1', template: 'curriculum-unit' });
    expect(a.status).toBe(201);
    expect(a.body.doc).toMatchObject({ spaceId, title: 'Unit 1', template: 'curriculum-unit', archived: false });
    expect(typeof a.body.doc.id).toBe('string');
    expect(typeof a.body.doc.createdAt).toBe('string');
    expect(typeof a.body.doc.updatedAt).toBe('string');
    await createDoc(member, 'lesson-plan');
    expectError(await guest.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Nope', template: 'blank' }), 403, 'forbidden');
    expectError(await stranger.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Nope', template: 'blank' }), 404, 'not_found');
    expectError(await new ApiClient(srv.url).post(`/api/spaces/${spaceId}/docs`, { title: 'Nope', template: 'blank' }), 401, 'authentication_required');
  });

  it('every member reads and lists; strangers and anonymous do not', async () => {
    const doc = await createDoc(fac, 'meeting-notes');
    for (const u of [fac, member, guest]) {
      const list = await u.client.get(`/api/spaces/${spaceId}/docs`);
      expect(list.status).toBe(200);
      expect(list.body.docs.map((d: { id: string }) => d.id)).toContain(doc.id);
      const one = await u.client.get(`/api/docs/${doc.id}`);
      expect(one.status).toBe(200);
      expect(one.body.doc.id).toBe(doc.id);
      expect(one.body.canEdit).toBe(u !== guest);
      expect(one.body.role).toBe(u === fac ? 'facilitator' : u === member ? 'member' : 'guest');
    }
    expectError(await stranger.client.get(`/api/docs/${doc.id}`), 404, 'not_found');
    expectError(await stranger.client.get(`/api/spaces/${spaceId}/docs`), 404, 'not_found');
    expectError(await stranger.client.get(`/api/docs/${doc.id}/export?format=markdown`), 404, 'not_found');
    expectError(await new ApiClient(srv.url).get(`/api/docs/${doc.id}`), 401, 'authentication_required');
    expectError(await fac.client.get(`/api/docs/doesnotexist`), 404, 'not_found');
    expectError(await fac.client.get(`/api/docs/bad%20id!`), 404, 'not_found');
  });

  it('renames, archives and restores from the archive; guests may not', async () => {
    const doc = await createDoc(member, 'blank', 'Draft');
    const renamed = await member.client.patch(`/api/docs/${doc.id}`, { title: 'Final' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.doc.title).toBe('Final');
    expectError(await guest.client.patch(`/api/docs/${doc.id}`, { title: 'Hacked' }), 403, 'forbidden');

    expect((await fac.client.patch(`/api/docs/${doc.id}`, { archived: true })).body.doc.archived).toBe(true);
    expect((await member.client.get(`/api/docs/${doc.id}`)).body).toMatchObject({ doc: { archived: true }, canEdit: false });
    const active = await fac.client.get(`/api/spaces/${spaceId}/docs`);
    expect(active.body.docs.map((d: { id: string }) => d.id)).not.toContain(doc.id);
    const archived = await fac.client.get(`/api/spaces/${spaceId}/docs?archived=true`);
    expect(archived.body.docs.map((d: { id: string }) => d.id)).toEqual([doc.id]);

    expect((await member.client.patch(`/api/docs/${doc.id}`, { archived: false })).body.doc.archived).toBe(false);
    expect((await member.client.get(`/api/docs/${doc.id}`)).body.canEdit).toBe(true);
    const back = await fac.client.get(`/api/spaces/${spaceId}/docs`);
    expect(back.body.docs.map((d: { id: string }) => d.id)).toContain(doc.id);
  });

  it('archiving closes open editors with 4410; their later edits are not stored; restoring makes it editable again', async () => {
    const doc = await createDoc(member, 'blank', 'Open while archived');
    const a = connect(member, doc.id);
    await a.synced;
    a.ydoc.getText('t').insert(0, 'kept');
    const peer = connect(fac, doc.id);
    await peer.synced;
    await waitFor(() => peer.ydoc.getText('t').toString() === 'kept');
    peer.provider.destroy();
    const closed = new Promise<number>((resolve) => a.provider.on('connection-close', (e: CloseEvent | null) => e && resolve(e.code)));
    expect((await fac.client.patch(`/api/docs/${doc.id}`, { archived: true })).status).toBe(200);
    expect(await closed).toBe(4410);
    a.provider.disconnect();

    // A reconnect is read-only: its edit never reaches a reader or the export.
    const b = connect(member, doc.id);
    await b.synced;
    expect(b.ydoc.getText('t').toString()).toBe('kept');
    b.ydoc.getText('t').insert(4, ' but not this');
    const reader = connect(fac, doc.id);
    await reader.synced;
    await new Promise((r) => setTimeout(r, 200));
    expect(reader.ydoc.getText('t').toString()).toBe('kept');
    b.provider.destroy();
    reader.provider.destroy();

    expect((await fac.client.patch(`/api/docs/${doc.id}`, { archived: false })).status).toBe(200);
    const c = connect(member, doc.id);
    await c.synced;
    c.ydoc.getText('t').insert(4, ' and this');
    const d = connect(fac, doc.id);
    await d.synced;
    await waitFor(() => d.ydoc.getText('t').toString() === 'kept and this');
  });

  it('rejects bad input with invalid_payload', async () => {
    const post = (body: unknown) => fac.client.post(`/api/spaces/${spaceId}/docs`, body);
    expectError(await post({ title: 'X', template: 'novel' }), 400, 'invalid_payload');
    expectError(await post({ title: 'x'.repeat(201), template: 'blank' }), 400, 'invalid_payload');
    expectError(await post({ title: '   ', template: 'blank' }), 400, 'invalid_payload');
    expectError(await post({ title: 'X', template: 'blank', owner: 'me' }), 400, 'invalid_payload');
    expectError(await post({ template: 'blank' }), 400, 'invalid_payload');
    const doc = await createDoc(fac, 'blank');
    expectError(await fac.client.patch(`/api/docs/${doc.id}`, {}), 400, 'invalid_payload');
    expectError(await fac.client.patch(`/api/docs/${doc.id}`, { archived: 'yes' }), 400, 'invalid_payload');
    expectError(await fac.client.patch(`/api/docs/${doc.id}`, { spaceId: 'elsewhere' }), 400, 'invalid_payload');
    expectError(await fac.client.get(`/api/docs/${doc.id}/export?format=pdf`), 400, 'invalid_payload');
    expectError(await fac.client.get(`/api/docs/${doc.id}/export`), 400, 'invalid_payload');
    expectError(await fac.client.get(`/api/spaces/${spaceId}/docs?archived=maybe`), 400, 'invalid_payload');
  });
});

describe('export', () => {
  it('every template exports Markdown and HTML with its headings, with the right headers', async () => {
    for (const tpl of TEMPLATES) {
      const doc = await createDoc(member, tpl.id, `Export ${tpl.label}`);
      const md = await guest.client.get(`/api/docs/${doc.id}/export?format=markdown`);
      expect(md.status).toBe(200);
      expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
      expect(md.headers.get('content-disposition')).toMatch(/^attachment; filename="Export-[\w-]+\.md"$/);
      expect(md.body).toContain(`# Export ${tpl.label}`);
      const html = await guest.client.get(`/api/docs/${doc.id}/export?format=html`);
      expect(html.status).toBe(200);
      expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(html.headers.get('content-disposition')).toMatch(/\.html"$/);
      for (const h of (tpl.body ?? []).filter((n) => n.type === 'heading')) {
        const text = ((h as { content: { text: string }[] }).content[0]!).text;
        expect(md.body, tpl.id).toContain(text);
        expect(html.body, tpl.id).toContain(`>${text}</h`);
      }
      const csv = await guest.client.get(`/api/docs/${doc.id}/export?format=csv`);
      if (tpl.kind === 'budget') {
        expect(csv.status).toBe(200);
        expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      } else expectError(csv, 400, 'invalid_payload');
    }
  });

  it('text typed through a stock WebsocketProvider is exported, escaped in HTML', async () => {
    const doc = await createDoc(member, 'curriculum-unit', 'Typed');
    const c = connect(member, doc.id);
    await c.synced;
    const frag = c.ydoc.getXmlFragment('default');
    expect(frag.length).toBeGreaterThan(5); // the template arrived
    c.ydoc.transact(() => {
      const p = new Y.XmlElement('paragraph');
      const t = new Y.XmlText();
      t.applyDelta([{ insert: 'Typed by Member ' }, { insert: '<script>alert(1)</script>', attributes: { bold: {} } }, { insert: ' see', attributes: { link: { href: 'https://example.org' } } }]);
      p.insert(0, [t]);
      frag.insert(frag.length, [p]);
    });
    await waitFor(async () => (await guest.client.get(`/api/docs/${doc.id}/export?format=markdown`)).body.includes('Typed by Member'));
    const md = (await guest.client.get(`/api/docs/${doc.id}/export?format=markdown`)).body as string;
    expect(md).toContain('Stage 1: Desired results');
    expect(md).toContain('[ see](https://example.org)');
    const html = (await guest.client.get(`/api/docs/${doc.id}/export?format=html`)).body as string;
    expect(html).toContain('<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<a href="https://example.org"');
    c.provider.destroy();
  });

  it('a budget edited over the WebSocket exports CSV with line, category and overall totals', async () => {
    const doc = await createDoc(fac, 'budget', 'Science budget');
    const c = connect(fac, doc.id);
    await c.synced;
    const lines = c.ydoc.getArray<Y.Map<unknown>>('lines');
    expect(lines.length).toBe(1);
    c.ydoc.transact(() => {
      const first = lines.get(0);
      first.set('category', 'Books');
      first.set('description', 'Lab manuals, class set');
      first.set('quantity', 30);
      first.set('unitCost', 12.5);
      const m = new Y.Map<unknown>();
      for (const [k, v] of Object.entries({ category: 'Equipment', description: '=cmd|calc', quantity: 2, unitCost: 99.99, fundingSource: 'Title I', notes: '' })) m.set(k, v);
      lines.push([m]);
      c.ydoc.getMap('meta').set('allocation', 500);
    });
    await waitFor(async () => (await fac.client.get(`/api/docs/${doc.id}/export?format=csv`)).body.includes('Equipment'));
    const res = await member.client.get(`/api/docs/${doc.id}/export?format=csv`);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="Science-budget.csv"');
    const rows = (res.body as string).trimEnd().split('\r\n');
    expect(rows[0]).toBe('Category,Description,Quantity,Unit cost,Line total,Funding source,Notes');
    expect(rows[1]).toBe('Books,"Lab manuals, class set",30,12.50,375.00,,');
    expect(rows[2]).toBe("Equipment,'=cmd|calc,2,99.99,199.98,Title I,");
    expect(res.body).toContain('Total: Books,,,,375.00,,');
    expect(res.body).toContain('Total: Equipment,,,,199.98,,');
    expect(res.body).toContain('Total,,,,574.98,,');
    expect(res.body).toContain('Allocation,,,,500.00,,');
    expect(res.body).toContain('Over budget,,,,74.98,,');
    c.provider.destroy();
  });
});
