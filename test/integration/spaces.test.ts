/**
 * Spaces and members over real HTTP, for each kind of caller (facilitator, member, guest, stranger to a
 * listed and to a private space, anonymous), plus role changes, removal, leaving and the
 * last-facilitator rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeRole, removeMember } from '../../server/commands/spaces';
import { ApiClient, signupUser, startServer, type ApiResponse, type TestServer } from '../helpers/server';

let srv: TestServer;
type U = Awaited<ReturnType<typeof signupUser>>;
let fac: U, mem: U, gst: U, stranger: U;
let anon: ApiClient;
let privateId: string, listedId: string;

function expectError(res: ApiResponse, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error.code).toBe(code);
}

/** Adds `who` to `spaceId` with `role` through an invite, as users really join. */
async function addVia(spaceId: string, by: ApiClient, who: ApiClient, role: string) {
  const inv = await by.post(`/api/spaces/${spaceId}/invites`, { role });
  expect(inv.status).toBe(201);
  const acc = await who.post(`/api/invites/${inv.body.invite.code}/accept`);
  expect(acc.status).toBe(200);
  expect(acc.body.role).toBe(role);
}

async function newSpace(owner: ApiClient, body: Record<string, unknown>) {
  const res = await owner.post('/api/spaces', body);
  expect(res.status).toBe(201);
  return res.body.space.id as string;
}

beforeAll(async () => {
  srv = await startServer();
  [fac, mem, gst, stranger] = await Promise.all([
    signupUser(srv.url, 'Facilitator'),
    signupUser(srv.url, 'Member'),
    signupUser(srv.url, 'Guest'),
    signupUser(srv.url, 'Stranger'),
  ]);
  anon = new ApiClient(srv.url);
  privateId = await newSpace(fac.client, { name: 'Grade 5 PLC', kind: 'plc' });
  listedId = await newSpace(fac.client, { name: 'Open Science Lab', kind: 'lab', visibility: 'listed', description: 'Across districts' });
  await addVia(privateId, fac.client, mem.client, 'member');
  await addVia(privateId, fac.client, gst.client, 'guest');
  await addVia(listedId, fac.client, mem.client, 'member');
});
afterAll(async () => {
  await srv?.close();
});

describe('GET /healthz', () => {
  it('answers ok with the store kind', async () => {
    const res = await anon.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', store: 'embedded' });
  });
});

describe('creating and listing spaces', () => {
  it('the creator is facilitator; defaults are private with an empty description', async () => {
    const res = await fac.client.post('/api/spaces', { name: '  Math Team  ', kind: 'school-team' });
    expect(res.status).toBe(201);
    expect(res.body.space).toMatchObject({ id: expect.any(String), name: 'Math Team', kind: 'school-team', visibility: 'private', description: '' });
    const mine = await fac.client.get('/api/spaces');
    expect(mine.status).toBe(200);
    expect(mine.body.spaces.find((s: any) => s.id === res.body.space.id)).toMatchObject({ role: 'facilitator', name: 'Math Team' });
  });

  it('GET /api/spaces lists only my spaces with my role in each', async () => {
    const m = await mem.client.get('/api/spaces');
    expect(m.body.spaces.map((s: any) => [s.id, s.role]).sort()).toEqual([[privateId, 'member'], [listedId, 'member']].sort());
    const g = await gst.client.get('/api/spaces');
    expect(g.body.spaces.map((s: any) => [s.id, s.role])).toEqual([[privateId, 'guest']]);
    expect((await stranger.client.get('/api/spaces')).body.spaces).toEqual([]);
    expectError(await anon.get('/api/spaces'), 401, 'authentication_required');
    expectError(await anon.post('/api/spaces', { name: 'x', kind: 'plc' }), 401, 'authentication_required');
  });
});

describe('who may see a space and its members', () => {
  it('members see the space with their own role', async () => {
    for (const [u, role] of [[fac, 'facilitator'], [mem, 'member'], [gst, 'guest']] as const) {
      const res = await u.client.get(`/api/spaces/${privateId}`);
      expect(res.status).toBe(200);
      expect(res.body.space.id).toBe(privateId);
      expect(res.body.role).toBe(role);
    }
  });

  it('a stranger gets 404 on a private space and its members, but sees a listed space without a role', async () => {
    expectError(await stranger.client.get(`/api/spaces/${privateId}`), 404, 'not_found');
    expectError(await stranger.client.get(`/api/spaces/${privateId}/members`), 404, 'not_found');
    const listed = await stranger.client.get(`/api/spaces/${listedId}`);
    expect(listed.status).toBe(200);
    expect(listed.body.role).toBeNull();
    expectError(await stranger.client.get(`/api/spaces/${listedId}/members`), 403, 'forbidden');
  });

  it('anonymous callers get 401 everywhere; unknown spaces are 404', async () => {
    expectError(await anon.get(`/api/spaces/${privateId}`), 401, 'authentication_required');
    expectError(await anon.get(`/api/spaces/${listedId}/members`), 401, 'authentication_required');
    expectError(await fac.client.get('/api/spaces/doesNotExist123'), 404, 'not_found');
  });

  it('every member, guests included, can list members with roles', async () => {
    for (const u of [fac, mem, gst]) {
      const res = await u.client.get(`/api/spaces/${privateId}/members`);
      expect(res.status).toBe(200);
      const roles = Object.fromEntries(res.body.members.map((m: any) => [m.user.id, m.role]));
      expect(roles).toEqual({ [fac.user.id]: 'facilitator', [mem.user.id]: 'member', [gst.user.id]: 'guest' });
      // Members see names, never emails.
      expect(res.body.members[0].user).toEqual({ id: expect.any(String), name: expect.any(String) });
    }
  });
});

describe('facilitator-only actions', () => {
  it('invites: facilitator 201, member and guest 403, private stranger 404, listed stranger 403, anonymous 401', async () => {
    expect((await fac.client.post(`/api/spaces/${privateId}/invites`, { role: 'member' })).status).toBe(201);
    expectError(await mem.client.post(`/api/spaces/${privateId}/invites`, { role: 'member' }), 403, 'forbidden');
    expectError(await gst.client.post(`/api/spaces/${privateId}/invites`, { role: 'guest' }), 403, 'forbidden');
    expectError(await stranger.client.post(`/api/spaces/${privateId}/invites`, { role: 'member' }), 404, 'not_found');
    expectError(await stranger.client.post(`/api/spaces/${listedId}/invites`, { role: 'member' }), 403, 'forbidden');
    expectError(await anon.post(`/api/spaces/${privateId}/invites`, { role: 'member' }), 401, 'authentication_required');
    expect((await fac.client.get(`/api/spaces/${privateId}/invites`)).status).toBe(200);
    expectError(await mem.client.get(`/api/spaces/${privateId}/invites`), 403, 'forbidden');
    expectError(await gst.client.get(`/api/spaces/${privateId}/invites`), 403, 'forbidden');
  });

  it('updating a space: facilitator only', async () => {
    const res = await fac.client.patch(`/api/spaces/${listedId}`, { description: 'Across three districts' });
    expect(res.status).toBe(200);
    expect(res.body.space.description).toBe('Across three districts');
    expectError(await mem.client.patch(`/api/spaces/${listedId}`, { description: 'hijack' }), 403, 'forbidden');
    expectError(await stranger.client.patch(`/api/spaces/${privateId}`, { name: 'hijack' }), 404, 'not_found');
    expect((await fac.client.get(`/api/spaces/${listedId}`)).body.space.description).toBe('Across three districts');
  });

  it('members and guests cannot change roles or remove anyone', async () => {
    expectError(await mem.client.patch(`/api/spaces/${privateId}/members/${gst.user.id}`, { role: 'facilitator' }), 403, 'forbidden');
    expectError(await gst.client.patch(`/api/spaces/${privateId}/members/${gst.user.id}`, { role: 'member' }), 403, 'forbidden');
    expectError(await mem.client.delete(`/api/spaces/${privateId}/members/${gst.user.id}`), 403, 'forbidden');
    expectError(await stranger.client.delete(`/api/spaces/${privateId}/members/${gst.user.id}`), 404, 'not_found');
    const roles = (await fac.client.get(`/api/spaces/${privateId}/members`)).body.members.map((m: any) => m.role).sort();
    expect(roles).toEqual(['facilitator', 'guest', 'member']);
  });
});

describe('changing roles, removing and leaving', () => {
  it('a facilitator changes a role and everyone sees it', async () => {
    const sid = await newSpace(fac.client, { name: 'Role changes', kind: 'plc' });
    const u = await signupUser(srv.url, 'Promoted');
    await addVia(sid, fac.client, u.client, 'guest');
    const res = await fac.client.patch(`/api/spaces/${sid}/members/${u.user.id}`, { role: 'member' });
    expect(res.status).toBe(200);
    expect(res.body.member).toMatchObject({ user: { id: u.user.id }, role: 'member' });
    expect((await u.client.get(`/api/spaces/${sid}`)).body.role).toBe('member');
    expectError(await fac.client.patch(`/api/spaces/${sid}/members/${stranger.user.id}`, { role: 'member' }), 404, 'not_found');
  });

  it('a removed member loses access (404 on the private space) and it leaves their list', async () => {
    const sid = await newSpace(fac.client, { name: 'Removal', kind: 'plc' });
    const u = await signupUser(srv.url, 'Removed');
    await addVia(sid, fac.client, u.client, 'member');
    expect((await u.client.get(`/api/spaces/${sid}`)).status).toBe(200);
    expect((await fac.client.delete(`/api/spaces/${sid}/members/${u.user.id}`)).status).toBe(204);
    expectError(await u.client.get(`/api/spaces/${sid}`), 404, 'not_found');
    expectError(await u.client.get(`/api/spaces/${sid}/members`), 404, 'not_found');
    expect((await u.client.get('/api/spaces')).body.spaces).toEqual([]);
    expectError(await fac.client.delete(`/api/spaces/${sid}/members/${u.user.id}`), 404, 'not_found');
  });

  it('anyone can leave; afterwards the space is hidden from them', async () => {
    const sid = await newSpace(fac.client, { name: 'Leaving', kind: 'plc' });
    await addVia(sid, fac.client, gst.client, 'guest');
    expect((await gst.client.post(`/api/spaces/${sid}/leave`)).status).toBe(204);
    expectError(await gst.client.get(`/api/spaces/${sid}`), 404, 'not_found');
    expectError(await gst.client.post(`/api/spaces/${sid}/leave`), 404, 'not_found');
    const members = (await fac.client.get(`/api/spaces/${sid}/members`)).body.members;
    expect(members.map((m: any) => m.user.id)).toEqual([fac.user.id]);
  });

  it('the last facilitator cannot leave or be demoted until another facilitator exists', async () => {
    const sid = await newSpace(fac.client, { name: 'Handover', kind: 'plc' });
    await addVia(sid, fac.client, mem.client, 'member');
    const leave = await fac.client.post(`/api/spaces/${sid}/leave`);
    expectError(leave, 409, 'conflict');
    expect(leave.body.error.message).toMatch(/facilitator/);
    expectError(await fac.client.patch(`/api/spaces/${sid}/members/${fac.user.id}`, { role: 'member' }), 409, 'conflict');
    expectError(await fac.client.delete(`/api/spaces/${sid}/members/${fac.user.id}`), 409, 'conflict');
    expect((await fac.client.get(`/api/spaces/${sid}`)).body.role).toBe('facilitator');
    // Hand over, then leaving works.
    expect((await fac.client.patch(`/api/spaces/${sid}/members/${mem.user.id}`, { role: 'facilitator' })).status).toBe(200);
    expect((await fac.client.patch(`/api/spaces/${sid}/members/${fac.user.id}`, { role: 'member' })).status).toBe(200);
    expectError(await mem.client.post(`/api/spaces/${sid}/leave`), 409, 'conflict');
    expect((await fac.client.post(`/api/spaces/${sid}/leave`)).status).toBe(204);
    const members = (await mem.client.get(`/api/spaces/${sid}/members`)).body.members;
    expect(members).toEqual([expect.objectContaining({ user: expect.objectContaining({ id: mem.user.id }), role: 'facilitator' })]);
  });

  it('two facilitators demoting each other at the same moment leave the space with a facilitator', async () => {
    // Regression: both "is there another facilitator?" checks passed before either write landed. Over
    // HTTP the two requests rarely overlap, so the commands are called side by side on the real app.
    for (let round = 0; round < 3; round++) {
      const sid = await newSpace(fac.client, { name: `Race ${round}`, kind: 'plc' });
      await addVia(sid, fac.client, mem.client, 'facilitator');
      const results = await Promise.allSettled([
        changeRole(srv.app.ctx, fac.user.id, sid, mem.user.id, 'member'),
        changeRole(srv.app.ctx, mem.user.id, sid, fac.user.id, 'member'),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(1);
      expect(await srv.store.collection('memberships').count({ spaceId: sid, role: 'facilitator' })).toBeGreaterThanOrEqual(1);
    }
  });

  it('two facilitators leaving at the same moment leave the space with a facilitator', async () => {
    const sid = await newSpace(fac.client, { name: 'Leave race', kind: 'plc' });
    await addVia(sid, fac.client, mem.client, 'facilitator');
    const results = await Promise.allSettled([
      removeMember(srv.app.ctx, fac.user.id, sid, fac.user.id),
      removeMember(srv.app.ctx, mem.user.id, sid, mem.user.id),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(1);
    expect(await srv.store.collection('memberships').count({ spaceId: sid, role: 'facilitator' })).toBeGreaterThanOrEqual(1);
  });
});
