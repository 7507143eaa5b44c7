/** Invite links over real HTTP: roles, preview, expiry (injected clock), max uses under a race, revocation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptInvite } from '../../server/commands/spaces';
import { ApiClient, signupUser, startServer, type ApiResponse, type TestServer } from '../helpers/server';

let srv: TestServer;
let clock = Date.now();
type U = Awaited<ReturnType<typeof signupUser>>;
let fac: U;
let spaceId: string;
const pool: U[] = [];

function expectError(res: ApiResponse, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
}

async function invite(body: Record<string, unknown>, sid = spaceId) {
  const res = await fac.client.post(`/api/spaces/${sid}/invites`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.invite as { code: string; role: string; expiresAt: string };
}

/** A fresh user from a pre-made pool (signups cost ~100 ms of scrypt each). */
function fresh(): U {
  const u = pool.pop();
  if (!u) throw new Error('user pool exhausted: raise its size');
  return u;
}

const membershipsOf = (userId: string) => srv.store.collection('memberships').count({ spaceId, userId });

beforeAll(async () => {
  srv = await startServer({ now: () => clock });
  fac = await signupUser(srv.url, 'Inviter');
  pool.push(...(await Promise.all(Array.from({ length: 16 }, (_, i) => signupUser(srv.url, `Invitee${i}`)))));
  const res = await fac.client.post('/api/spaces', { name: 'Science PLC', kind: 'plc' });
  spaceId = res.body.space.id;
});
afterAll(async () => {
  await srv?.close();
});

describe('invites for each role', () => {
  for (const role of ['member', 'facilitator', 'guest'] as const) {
    it(`a ${role} invite makes the accepter a ${role}`, async () => {
      const inv = await invite({ role });
      expect(inv.role).toBe(role);
      const u = fresh();
      const res = await u.client.post(`/api/invites/${inv.code}/accept`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ space: { id: spaceId, name: 'Science PLC' }, role });
      expect((await u.client.get(`/api/spaces/${spaceId}`)).body.role).toBe(role);
      const members = (await fac.client.get(`/api/spaces/${spaceId}/members`)).body.members;
      expect(members.find((m: any) => m.user.id === u.user.id)?.role).toBe(role);
    });
  }

  it('expires after a week by default and answers the contract shape', async () => {
    const res = await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' });
    expect(res.status).toBe(201);
    expect(res.body.invite).toMatchObject({ code: expect.stringMatching(/^[A-Za-z0-9_-]{8,64}$/), role: 'member', expiresAt: expect.any(String) });
    expect(Date.parse(res.body.invite.expiresAt) - clock).toBe(7 * 24 * 3600 * 1000);
  });

  it('accepting needs a session', async () => {
    const inv = await invite({ role: 'member' });
    expectError(await new ApiClient(srv.url).post(`/api/invites/${inv.code}/accept`), 401, 'authentication_required');
  });

  it('accepting twice, or accepting a lower invite, keeps the role and uses no seat', async () => {
    const inv = await invite({ role: 'member', maxUses: 5 });
    const u = fresh();
    expect((await u.client.post(`/api/invites/${inv.code}/accept`)).body.role).toBe('member');
    const again = await u.client.post(`/api/invites/${inv.code}/accept`);
    expect(again.status).toBe(200);
    expect(again.body.role).toBe('member');
    const guestInv = await invite({ role: 'guest' });
    expect((await u.client.post(`/api/invites/${guestInv.code}/accept`)).body.role).toBe('member');
    expect((await fac.client.post(`/api/invites/${guestInv.code}/accept`)).body.role).toBe('facilitator');
    expect(await membershipsOf(u.user.id)).toBe(1);
    const list = (await fac.client.get(`/api/spaces/${spaceId}/invites`)).body.invites;
    expect(list.find((i: any) => i.code === inv.code).uses).toBe(1);
    expect(list.find((i: any) => i.code === guestInv.code).uses).toBe(0);
  });
});

describe('preview: GET /api/invites/:code', () => {
  it('shows the space and role to anyone holding the code, signed in or not', async () => {
    const inv = await invite({ role: 'guest' });
    const res = await new ApiClient(srv.url).get(`/api/invites/${inv.code}`);
    expect(res.status).toBe(200);
    expect(res.body.invite).toEqual({ role: 'guest', expiresAt: inv.expiresAt, status: 'valid', space: { id: spaceId, name: 'Science PLC', kind: 'plc' } });
    expect(res.body.myRole).toBeNull();
    expect((await fac.client.get(`/api/invites/${inv.code}`)).body.myRole).toBe('facilitator');
  });

  it('a malformed code is 400 naming the code; an unknown one is 404', async () => {
    for (const bad of ['short', 'has%20space', 'semi;colon!', 'x'.repeat(65)]) {
      const res = await fac.client.get(`/api/invites/${bad}`);
      expectError(res, 400, 'invalid_payload');
      expect(res.body.error.details.fields[0].field).toBe('code');
      expectError(await fac.client.post(`/api/invites/${bad}/accept`), 400, 'invalid_payload');
    }
    expectError(await fac.client.get('/api/invites/AAAAAAAAAAAAAAAA'), 404, 'not_found');
    expectError(await fac.client.post('/api/invites/AAAAAAAAAAAAAAAA/accept'), 404, 'not_found');
  });
});

describe('expiry', () => {
  it('an expired invite previews as expired and cannot be accepted; nothing is stored', async () => {
    const inv = await invite({ role: 'member', expiresInHours: 1 });
    expect((await fac.client.get(`/api/invites/${inv.code}`)).body.invite.status).toBe('valid');
    clock += 2 * 3600 * 1000;
    try {
      expect((await fac.client.get(`/api/invites/${inv.code}`)).body.invite.status).toBe('expired');
      const u = fresh();
      const res = await u.client.post(`/api/invites/${inv.code}/accept`);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.error.details).toEqual({ reason: 'expired' });
      expect(res.body.error.message).toMatch(/expired/);
      expect(await membershipsOf(u.user.id)).toBe(0);
      expectError(await u.client.get(`/api/spaces/${spaceId}`), 404, 'not_found');
    } finally {
      clock = Date.now();
    }
  });
});

describe('max uses', () => {
  it('used up: the next person is refused with a clear reason', async () => {
    const inv = await invite({ role: 'member', maxUses: 1 });
    expect((await fresh().client.post(`/api/invites/${inv.code}/accept`)).status).toBe(200);
    expect((await fac.client.get(`/api/invites/${inv.code}`)).body.invite.status).toBe('used_up');
    const late = fresh();
    const res = await late.client.post(`/api/invites/${inv.code}/accept`);
    expect(res.body.error.details).toEqual({ reason: 'used_up' });
    expect(await membershipsOf(late.user.id)).toBe(0);
  });

  it('two people racing over HTTP for the last seat: exactly one gets in', async () => {
    const inv = await invite({ role: 'member', maxUses: 1 });
    const [a, b] = [fresh(), fresh()];
    const results = await Promise.all([a.client.post(`/api/invites/${inv.code}/accept`), b.client.post(`/api/invites/${inv.code}/accept`)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 410]);
    expect((await membershipsOf(a.user.id)) + (await membershipsOf(b.user.id))).toBe(1);
  });

  it('five people accepting side by side through the command: only maxUses of them get in', async () => {
    // The commands run interleaved on the real app, so the check-then-consume window is really exercised.
    const inv = await invite({ role: 'member', maxUses: 2 });
    const racers = [fresh(), fresh(), fresh(), fresh(), fresh()];
    const results = await Promise.allSettled(racers.map((u) => acceptInvite(srv.app.ctx, u.user.id, inv.code)));
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(2);
    let joined = 0;
    for (const u of racers) joined += await membershipsOf(u.user.id);
    expect(joined).toBe(2);
    const stored = await srv.store.collection<{ _id: string; uses: number }>('invites').findOne({ _id: inv.code });
    expect(stored!.uses).toBe(2);
  });
});

describe('revocation', () => {
  it('a revoked invite previews as revoked and cannot be accepted', async () => {
    const inv = await invite({ role: 'member' });
    expect((await fac.client.delete(`/api/spaces/${spaceId}/invites/${inv.code}`)).status).toBe(204);
    expect((await fac.client.get(`/api/invites/${inv.code}`)).body.invite.status).toBe('revoked');
    const list = (await fac.client.get(`/api/spaces/${spaceId}/invites`)).body.invites;
    expect(list.find((i: any) => i.code === inv.code).revoked).toBe(true);
    const u = fresh();
    const res = await u.client.post(`/api/invites/${inv.code}/accept`);
    expect(res.body.error.details).toEqual({ reason: 'revoked' });
    expect(await membershipsOf(u.user.id)).toBe(0);
  });

  it('only facilitators revoke; unknown codes are 404', async () => {
    const inv = await invite({ role: 'member' });
    const m = fresh();
    await m.client.post(`/api/invites/${(await invite({ role: 'member' })).code}/accept`);
    expectError(await m.client.delete(`/api/spaces/${spaceId}/invites/${inv.code}`), 403, 'forbidden');
    expect((await fac.client.get(`/api/invites/${inv.code}`)).body.invite.status).toBe('valid');
    expectError(await fac.client.delete(`/api/spaces/${spaceId}/invites/AAAAAAAAAAAAAAAA`), 404, 'not_found');
    // A code from another space cannot be revoked through this one.
    const other = (await fac.client.post('/api/spaces', { name: 'Other', kind: 'lab' })).body.space.id;
    expectError(await fac.client.delete(`/api/spaces/${other}/invites/${inv.code}`), 404, 'not_found');
    expect((await fac.client.get(`/api/invites/${inv.code}`)).body.invite.status).toBe('valid');
  });
});
