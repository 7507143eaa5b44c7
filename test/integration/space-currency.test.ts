/**
 * Money shows in the space's currency: a space starts in USD, facilitators change it (Overview > Edit
 * details), a bad value is refused and stored nowhere, and a document page carries it for its budgets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spaceWith } from '../helpers/chat';
import { startServer, type TestServer } from '../helpers/server';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => srv?.close());

describe('currency per space', () => {
  it('defaults to USD, is changed by facilitators only, and reaches the budget page', async () => {
    const { spaceId, fac, people } = await spaceWith(srv.url, [{ name: 'Mia Member' }]);
    expect((await fac.client.get(`/api/spaces/${spaceId}`)).body.space.currency).toBe('USD');
    const bad = await fac.client.patch(`/api/spaces/${spaceId}`, { currency: 'DOGE' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_payload');
    expect((await people[0]!.client.patch(`/api/spaces/${spaceId}`, { currency: 'EUR' })).status).toBe(403);
    expect((await fac.client.get(`/api/spaces/${spaceId}`)).body.space.currency).toBe('USD');
    const ok = await fac.client.patch(`/api/spaces/${spaceId}`, { currency: 'EUR' });
    expect(ok.status).toBe(200);
    expect(ok.body.space.currency).toBe('EUR');
    const doc = await fac.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Materials', template: 'budget' });
    expect((await people[0]!.client.get(`/api/docs/${doc.body.doc.id}`)).body.space).toMatchObject({ id: spaceId, currency: 'EUR' });
    const made = await fac.client.post('/api/spaces', { name: 'Canadian lab', kind: 'lab', currency: 'CAD' });
    expect(made.body.space.currency).toBe('CAD');
  });
});
