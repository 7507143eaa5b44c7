/**
 * A budget's amounts are checked by the server, not only by the editor: a stock WebsocketProvider that
 * writes a negative quantity, a text unit cost, a negative allocation or an unknown currency is closed
 * with 4400 and nothing of that update is stored or reaches the other editor; valid edits from the same
 * people are stored as before. A rich document with a map entry named `quantity` is not a budget and is
 * left alone.
 */
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_INVALID_MESSAGE } from '../../shared/collab';
import { validateBudgetUpdate } from '../../server/docs/budget-rules';
import { spaceWith } from '../helpers/chat';
import { connect, synced, waitFor, type TestClient } from '../helpers/collab';
import { startServer, type TestServer } from '../helpers/server';

let srv: TestServer;
const clients: TestClient[] = [];
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await srv?.close();
});

/**
 * What the server's rule says of `write`: the server holds a budget made by `setup`; a client with a
 * copy of it runs `write`; the rule sees the client's update decoded, against the server's document.
 */
function ruleOn(write: (doc: Y.Doc) => void, setup: (doc: Y.Doc) => void = () => undefined): string | null {
  const server = new Y.Doc();
  setup(server);
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  const before = Y.encodeStateVector(client);
  write(client);
  return validateBudgetUpdate(Y.decodeUpdate(Y.encodeStateAsUpdate(client, before)), server);
}

const firstLine = (d: Y.Doc) => d.getArray<Y.Map<unknown>>('lines').get(0);

const line = (fields: Record<string, unknown>) => (doc: Y.Doc) => {
  const m = new Y.Map<unknown>();
  for (const [k, v] of Object.entries(fields)) m.set(k, v);
  doc.getArray('lines').push([m]);
};

describe('the budget rule (unit)', () => {
  it('accepts amounts of 0 or more and the offered currencies', () => {
    expect(ruleOn(line({ category: 'Books', description: '-5 is text here', quantity: 3, unitCost: 4.5 }))).toBeNull();
    expect(ruleOn((d) => d.getMap('meta').set('allocation', 0))).toBeNull();
    expect(ruleOn((d) => d.getMap('meta').set('currency', 'EUR'))).toBeNull();
    expect(ruleOn((d) => firstLine(d).set('quantity', 7), line({ quantity: 1, unitCost: 2 }))).toBeNull();
    expect(ruleOn((d) => d.getArray('lines').delete(0, 1), line({ quantity: 1, unitCost: 2 }))).toBeNull();
  });

  it('follows an overwrite to the entry it replaces, in the document or in the same update', () => {
    // An overwrite names only its origin (the old value), not its map or key.
    expect(ruleOn((d) => firstLine(d).set('quantity', -5), line({ quantity: 4, unitCost: 2 }))).toMatch(/quantity/);
    expect(ruleOn((d) => d.getMap('meta').set('allocation', -1), (d) => d.getMap('meta').set('allocation', 100))).toMatch(/allocation/);
    expect(
      ruleOn((d) => {
        firstLine(d).set('unitCost', 3);
        firstLine(d).set('unitCost', 4);
        firstLine(d).set('unitCost', -4);
      }, line({ quantity: 4, unitCost: 2 })),
    ).toMatch(/unitCost/);
  });

  it.each([
    ['a negative quantity', line({ quantity: -5, unitCost: 1 })],
    ['a unit cost given as text', line({ quantity: 1, unitCost: '12' })],
    ['a unit cost that is not finite', line({ quantity: 1, unitCost: Number.POSITIVE_INFINITY })],
    ['an absurd quantity', line({ quantity: 1e15, unitCost: 1 })],
    ['a quantity that is a shared type', line({ quantity: new Y.Text('5') })],
    ['a negative allocation', (d: Y.Doc) => d.getMap('meta').set('allocation', -100)],
    ['an unknown currency', (d: Y.Doc) => d.getMap('meta').set('currency', 'DOGE')],
  ])('refuses %s', (_what, write) => {
    expect(ruleOn(write)).toMatch(/budget/);
  });
});

describe('a hostile client on a budget', () => {
  it('is closed with 4400; nothing it wrote is stored or relayed; valid edits still store', async () => {
    const { spaceId, fac, people } = await spaceWith(srv.url, [{ name: 'Mia Member' }]);
    const made = await fac.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Math night', template: 'budget' });
    const docId: string = made.body.doc.id;
    const honest = connect(srv.wsUrl, docId, fac, { saved: true });
    const hostile = connect(srv.wsUrl, docId, people[0]!, { saved: true });
    clients.push(honest, hostile);
    await synced(honest);
    await synced(hostile);

    // A valid edit first: stored and seen.
    const first = () => hostile.doc.getArray<Y.Map<unknown>>('lines').get(0);
    first().set('quantity', 4);
    await waitFor(() => honest.doc.getArray<Y.Map<unknown>>('lines').get(0).get('quantity') === 4, 'valid edit relayed');

    // Then -5, written straight into the shared map as a modified client would.
    hostile.provider.shouldConnect = false; // stays closed once refused (a stock provider would retry with the same update)
    first().set('quantity', -5);
    await waitFor(() => hostile.closes.some((c) => c.code === CLOSE_INVALID_MESSAGE), 'closed with 4400');

    // Unit cost as text and a negative allocation from another connection: refused the same way.
    const hostile2 = connect(srv.wsUrl, docId, people[0]!);
    clients.push(hostile2);
    await synced(hostile2);
    hostile2.provider.shouldConnect = false;
    hostile2.doc.getMap('meta').set('allocation', -1000);
    await waitFor(() => hostile2.closes.some((c) => c.code === CLOSE_INVALID_MESSAGE), 'allocation refused');

    // The honest editor keeps the valid value; the stored budget (CSV export reads the stored state) too.
    honest.doc.getArray<Y.Map<unknown>>('lines').get(0).set('unitCost', 2.5);
    await waitFor(() => honest.saved.length > 0, 'saved ack');
    const csv = async () => (await fac.client.get(`/api/docs/${docId}/export?format=csv`)).body as string;
    let last = '';
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !(last = await csv()).includes(',4,2.50,10.00,')) await new Promise((r) => setTimeout(r, 50));
    expect(last).toContain(',4,2.50,10.00,');
    expect(last).not.toContain('-5');
    expect(last).not.toContain('-1000');
    expect(honest.doc.getArray<Y.Map<unknown>>('lines').get(0).get('quantity')).toBe(4);
    expect(honest.doc.getMap('meta').get('allocation')).not.toBe(-1000);
  });

  it('a rich document is not held to the budget rule', async () => {
    const { spaceId, fac } = await spaceWith(srv.url);
    const made = await fac.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Notes', template: 'blank' });
    const c = connect(srv.wsUrl, made.body.doc.id, fac, { saved: true });
    clients.push(c);
    await synced(c);
    c.doc.getMap('extra').set('quantity', -5);
    await waitFor(() => c.saved.length > 0, 'saved ack');
    expect(c.closes).toEqual([]);
  });
});
