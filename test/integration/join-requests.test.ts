/** The directory of listed spaces and join requests, over real HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, signupUser, startServer, type ApiResponse, type TestServer } from '../helpers/server';

let srv: TestServer;
type U = Awaited<ReturnType<typeof signupUser>>;
let fac: U, mem: U, asker: U, asker2: U, asker3: U;
let labId: string, mathId: string, secretId: string;

function expectError(res: ApiResponse, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error.code).toBe(code);
}

const dir = async (c: ApiClient, query = '') => {
  const res = await c.get(`/api/directory${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.spaces as Array<{ id: string; name: string; memberCount: number; myRole: string | null; pendingRequest: boolean }>;
};
const ids = (list: { id: string }[]) => list.map((s) => s.id).sort();

beforeAll(async () => {
  srv = await startServer();
  [fac, mem, asker, asker2, asker3] = await Promise.all([
    signupUser(srv.url, 'Facil'),
    signupUser(srv.url, 'Mem'),
    signupUser(srv.url, 'Asker'),
    signupUser(srv.url, 'Asker2'),
    signupUser(srv.url, 'Asker3'),
  ]);
  const mk = async (body: Record<string, unknown>) => (await fac.client.post('/api/spaces', body)).body.space.id as string;
  labId = await mk({ name: 'Open Science Lab', kind: 'lab', visibility: 'listed' });
  mathId = await mk({ name: 'Math (Grade 5) Team', kind: 'school-team', visibility: 'listed' });
  secretId = await mk({ name: 'Secret Science Circle', kind: 'plc', visibility: 'private' });
  const inv = await fac.client.post(`/api/spaces/${labId}/invites`, { role: 'member' });
  await mem.client.post(`/api/invites/${inv.body.invite.code}/accept`);
});
afterAll(async () => {
  await srv?.close();
});

describe('directory', () => {
  it('lists only listed spaces, with member counts and my relation to each', async () => {
    const all = await dir(asker.client);
    expect(ids(all)).toEqual([labId, mathId].sort());
    expect(all.find((s) => s.id === labId)).toMatchObject({ name: 'Open Science Lab', memberCount: 2, myRole: null, pendingRequest: false });
    expect((await dir(mem.client)).find((s) => s.id === labId)?.myRole).toBe('member');
  });

  it('searches by name, case-insensitively, never revealing private spaces', async () => {
    expect(ids(await dir(asker.client, '?q=SCIENCE'))).toEqual([labId]);
    expect(ids(await dir(asker.client, '?q=team'))).toEqual([mathId]);
    expect(ids(await dir(asker.client, '?kind=lab'))).toEqual([labId]);
    expect(await dir(asker.client, '?q=circle')).toEqual([]);
  });

  it('treats regex metacharacters in the query literally', async () => {
    expect(ids(await dir(asker.client, `?q=${encodeURIComponent('(grade 5)')}`))).toEqual([mathId]);
    expect(await dir(asker.client, `?q=${encodeURIComponent('.*')}`)).toEqual([]);
    expect(await dir(asker.client, `?q=${encodeURIComponent('s+')}`)).toEqual([]);
    expect(await dir(asker.client, `?q=${encodeURIComponent('[a-z]')}`)).toEqual([]);
    expect(await dir(asker.client, `?q=${encodeURIComponent('5)(')}`)).toEqual([]);
    // A lone "(" would be an invalid RegExp if not escaped; literally, it matches the Math team.
    expect(ids(await dir(asker.client, `?q=${encodeURIComponent('(')}`))).toEqual([mathId]);
  });

  it('needs a session; a bad query is 400 naming the field', async () => {
    expectError(await new ApiClient(srv.url).get('/api/directory'), 401, 'authentication_required');
    const res = await asker.client.get('/api/directory?kind=castle');
    expectError(res, 400, 'invalid_payload');
    expect(res.body.error.details.fields[0].field).toBe('kind');
    expectError(await asker.client.get(`/api/directory?q=${'x'.repeat(101)}`), 400, 'invalid_payload');
    expectError(await asker.client.get('/api/directory?q=a&q=b'), 400, 'invalid_payload');
    expectError(await asker.client.get('/api/directory?sort=name'), 400, 'invalid_payload');
  });
});

describe('join requests', () => {
  it('a stranger asks to join; asking again returns the same pending request', async () => {
    const res = await asker.client.post(`/api/spaces/${labId}/join-requests`, { message: 'I teach chemistry' });
    expect(res.status).toBe(201);
    expect(res.body.joinRequest).toMatchObject({ spaceId: labId, user: { id: asker.user.id, name: 'Asker' }, message: 'I teach chemistry', status: 'pending' });
    const again = await asker.client.post(`/api/spaces/${labId}/join-requests`, {});
    expect(again.status).toBe(200);
    expect(again.body.joinRequest.id).toBe(res.body.joinRequest.id);
    expect(await srv.store.collection('joinRequests').count({ spaceId: labId, userId: asker.user.id })).toBe(1);
    expect((await dir(asker.client)).find((s) => s.id === labId)?.pendingRequest).toBe(true);
    expect((await asker.client.get(`/api/spaces/${labId}`)).body.pendingRequest).toBe(true);
  });

  it('members cannot ask, strangers cannot ask to join private spaces, anonymous must log in', async () => {
    expectError(await mem.client.post(`/api/spaces/${labId}/join-requests`, {}), 403, 'forbidden');
    expectError(await asker.client.post(`/api/spaces/${secretId}/join-requests`, {}), 404, 'not_found');
    expectError(await new ApiClient(srv.url).post(`/api/spaces/${labId}/join-requests`, {}), 401, 'authentication_required');
    expect(await srv.store.collection('joinRequests').count({ spaceId: secretId })).toBe(0);
  });

  it('only facilitators list pending requests', async () => {
    const res = await fac.client.get(`/api/spaces/${labId}/join-requests`);
    expect(res.status).toBe(200);
    expect(res.body.joinRequests.map((j: any) => j.user.id)).toEqual([asker.user.id]);
    expectError(await mem.client.get(`/api/spaces/${labId}/join-requests`), 403, 'forbidden');
    expectError(await asker.client.get(`/api/spaces/${labId}/join-requests`), 403, 'forbidden');
  });

  it('approval makes the requester a member; deciding twice is 409', async () => {
    const id = (await fac.client.get(`/api/spaces/${labId}/join-requests`)).body.joinRequests[0].id;
    // Neither a member nor the requester can approve.
    expectError(await mem.client.post(`/api/spaces/${labId}/join-requests/${id}/approve`), 403, 'forbidden');
    expectError(await asker.client.post(`/api/spaces/${labId}/join-requests/${id}/approve`), 403, 'forbidden');
    expect((await asker.client.get(`/api/spaces/${labId}`)).body.role).toBeNull();
    const res = await fac.client.post(`/api/spaces/${labId}/join-requests/${id}/approve`);
    expect(res.status).toBe(200);
    expect(res.body.joinRequest.status).toBe('approved');
    expect((await asker.client.get(`/api/spaces/${labId}`)).body.role).toBe('member');
    expect((await fac.client.get(`/api/spaces/${labId}/join-requests`)).body.joinRequests).toEqual([]);
    expectError(await fac.client.post(`/api/spaces/${labId}/join-requests/${id}/approve`), 409, 'conflict');
    expectError(await fac.client.post(`/api/spaces/${labId}/join-requests/${id}/decline`), 409, 'conflict');
    expect((await asker.client.get(`/api/spaces/${labId}`)).body.role).toBe('member');
  });

  it('declining leaves the requester outside; deciding again is 409', async () => {
    const id = (await asker2.client.post(`/api/spaces/${mathId}/join-requests`, {})).body.joinRequest.id;
    const res = await fac.client.post(`/api/spaces/${mathId}/join-requests/${id}/decline`);
    expect(res.status).toBe(200);
    expect(res.body.joinRequest.status).toBe('declined');
    expect((await asker2.client.get(`/api/spaces/${mathId}`)).body.role).toBeNull();
    expect(await srv.store.collection('memberships').count({ spaceId: mathId, userId: asker2.user.id })).toBe(0);
    expectError(await fac.client.post(`/api/spaces/${mathId}/join-requests/${id}/approve`), 409, 'conflict');
    expect(await srv.store.collection('memberships').count({ spaceId: mathId, userId: asker2.user.id })).toBe(0);
  });

  it('two facilitators deciding at once: one wins, the other gets 409', async () => {
    const id = (await asker3.client.post(`/api/spaces/${mathId}/join-requests`, {})).body.joinRequest.id;
    const [a, b] = await Promise.all([
      fac.client.post(`/api/spaces/${mathId}/join-requests/${id}/approve`),
      fac.client.post(`/api/spaces/${mathId}/join-requests/${id}/decline`),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const member = await srv.store.collection('memberships').count({ spaceId: mathId, userId: asker3.user.id });
    expect(member).toBe(a.status === 200 ? 1 : 0);
  });

  it('a request id from another space, or an unknown one, is 404', async () => {
    const other = (await fac.client.post('/api/spaces', { name: 'Other Listed', kind: 'lab', visibility: 'listed' })).body.space.id;
    const id = (await asker2.client.post(`/api/spaces/${other}/join-requests`, {})).body.joinRequest.id;
    expectError(await fac.client.post(`/api/spaces/${labId}/join-requests/${id}/approve`), 404, 'not_found');
    expectError(await fac.client.post(`/api/spaces/${labId}/join-requests/unknownRequest/approve`), 404, 'not_found');
    expect((await fac.client.get(`/api/spaces/${other}/join-requests`)).body.joinRequests).toHaveLength(1);
  });
});
