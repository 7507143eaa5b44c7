/**
 * The half-made states a crash leaves between the steps of a multi-step write (server/store/README.md,
 * "Atomic by design"), as another process of a cluster sees them while the crashed one has not restarted:
 * each is written into the store of a running server exactly as the crashed process left it. Nothing
 * half-made is visible, the user's retry completes it, and a restart (the repair at start) finishes it,
 * also while a live write of the same kind is under way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repairSpaceWrites } from '../../server/commands/atomic';
import { call, cid, closeSockets, connectSocket, data } from '../helpers/chat';
import { ApiClient, signupUser, startServer, type ApiResponse, type TestServer } from '../helpers/server';

let srv: TestServer;
type U = Awaited<ReturnType<typeof signupUser>>;
let fac: U, author: U, asker: U, joiner: U, late: U;
let spaceId: string, general: string;

const status = (res: ApiResponse) => [res.status, res.body?.error?.code ?? null];
const col = (name: string) => srv.store.collection<any>(name);

beforeAll(async () => {
  srv = await startServer();
  const u = (name: string) => signupUser(srv.url, name);
  [fac, author, asker, joiner, late] = await Promise.all([u('Fran'), u('Avery'), u('Asha'), u('Jo'), u('Lee')]);
  spaceId = (await fac.client.post('/api/spaces', { name: 'Half-made lab', kind: 'lab', visibility: 'listed' })).body.space.id;
  general = (await fac.client.get(`/api/spaces/${spaceId}/channels`)).body.channels[0].id;
  const inv = await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' });
  await author.client.post(`/api/invites/${inv.body.invite.code}/accept`);
});
afterAll(async () => {
  closeSockets();
  await srv?.close();
});

/** Restarts the in-process server on the same data: the repair at start runs. */
async function restart() {
  const cookies = [fac, author, asker, joiner, late].map((u) => u.client.cookie);
  await srv.close({ keepData: true });
  srv = await startServer({ dataDir: srv.dataDir });
  for (const [i, u] of [fac, author, asker, joiner, late].entries()) u.client = Object.assign(new ApiClient(srv.url), { cookie: cookies[i]! });
}

describe('a space cut short after its record (and its facilitator)', () => {
  it('is seen nowhere until finished; the repair at start finishes it once', async () => {
    const at = new Date();
    const half = { _id: 'halfSpace01', name: 'Half space', nameLower: 'half space', kind: 'plc', description: '', visibility: 'listed', createdBy: fac.user.id, createdAt: at, creating: at };
    await col('spaces').insertOne(half);
    await col('memberships').insertOne({ _id: 'halfMember01', spaceId: half._id, userId: fac.user.id, role: 'facilitator', joinedAt: at });
    expect((await fac.client.get('/api/spaces')).body.spaces.map((s: { id: string }) => s.id)).not.toContain(half._id);
    expect(status(await fac.client.get(`/api/spaces/${half._id}`))).toEqual([404, 'not_found']);
    expect(status(await fac.client.get(`/api/spaces/${half._id}/channels`))).toEqual([404, 'not_found']);
    expect((await late.client.get('/api/directory')).body.spaces.map((s: { id: string }) => s.id)).not.toContain(half._id);
    expect((await fac.client.get('/api/unread')).body.spaces.map((s: { spaceId: string }) => s.spaceId)).not.toContain(half._id);

    await restart();
    const mine = (await fac.client.get('/api/spaces')).body.spaces.find((s: { id: string }) => s.id === half._id);
    expect(mine.role).toBe('facilitator');
    expect((await fac.client.get(`/api/spaces/${half._id}/channels`)).body.channels.map((c: { name: string }) => c.name)).toEqual(['general']);
    await restart(); // idempotent: nothing doubled
    expect(await col('memberships').count({ spaceId: half._id })).toBe(1);
    expect(await col('channels').count({ spaceId: half._id })).toBe(1);
  });

  it('the repair running while spaces are being created leaves each with one facilitator and one `general`', async () => {
    const ctx = srv.app.ctx;
    let done = false;
    const creating = Promise.all(Array.from({ length: 6 }, (_, i) => fac.client.post('/api/spaces', { name: `Busy ${i}`, kind: 'plc' }))).finally(() => (done = true));
    // Repairs back to back for as long as the creations run, so they meet them between their steps.
    let repairs = 0;
    while (!done) {
      await repairSpaceWrites(ctx);
      repairs++;
      // The embedded store may answer reads without a turn of the event loop: let the requests in.
      await new Promise((r) => setImmediate(r));
    }
    const made = await creating;
    expect(repairs).toBeGreaterThan(1);
    for (const res of made) {
      expect(res.status).toBe(201);
      expect(await col('memberships').count({ spaceId: res.body.space.id, role: 'facilitator' })).toBe(1);
      expect(await col('channels').count({ spaceId: res.body.space.id, name: 'general' })).toBe(1);
    }
    expect(await col('spaces').count({ creating: { $exists: true } })).toBe(0);
  });
});

describe('an approval cut short', () => {
  it('after the claim: still pending, cannot be declined, approving again completes it', async () => {
    const id = (await asker.client.post(`/api/spaces/${spaceId}/join-requests`, {})).body.joinRequest.id;
    await col('joinRequests').updateOne({ _id: id }, { $set: { approving: { by: fac.user.id, at: new Date() } } });
    expect((await fac.client.get(`/api/spaces/${spaceId}/join-requests`)).body.joinRequests.map((j: { id: string }) => j.id)).toEqual([id]);
    expect(status(await fac.client.post(`/api/spaces/${spaceId}/join-requests/${id}/decline`))).toEqual([409, 'conflict']);
    const res = await fac.client.post(`/api/spaces/${spaceId}/join-requests/${id}/approve`);
    expect([res.status, res.body.joinRequest.status]).toEqual([200, 'approved']);
    expect((await asker.client.get(`/api/spaces/${spaceId}`)).body.role).toBe('member');
    expect(await col('joinRequests').count({ approving: { $exists: true } })).toBe(0);
  });

  it('after the membership: shown as approved, not pending; the repair closes it and audits it', async () => {
    await fac.client.delete(`/api/spaces/${spaceId}/members/${asker.user.id}`);
    const id = (await asker.client.post(`/api/spaces/${spaceId}/join-requests`, {})).body.joinRequest.id;
    const at = new Date();
    await col('joinRequests').updateOne({ _id: id }, { $set: { approving: { by: fac.user.id, at } } });
    await col('memberships').insertOne({ _id: 'halfMember02', spaceId, userId: asker.user.id, role: 'member', joinedAt: at });
    expect((await fac.client.get(`/api/spaces/${spaceId}/join-requests`)).body.joinRequests).toEqual([]);
    const dir = (await asker.client.get('/api/directory')).body.spaces.find((s: { id: string }) => s.id === spaceId);
    expect([dir.myRole, dir.pendingRequest]).toEqual(['member', false]);
    const decisions = async () =>
      ((await fac.client.get(`/api/spaces/${spaceId}/audit`)).body.entries as { action: string; target: { id: string } | null }[]).filter(
        (e) => e.action === 'join_request.decided' && e.target?.id === asker.user.id,
      ).length;
    const before = await decisions();
    await restart();
    expect(await col('joinRequests').findOne({ _id: id })).toMatchObject({ status: 'approved', decidedBy: fac.user.id });
    expect(await col('joinRequests').count({ approving: { $exists: true } })).toBe(0);
    expect(await decisions()).toBe(before + 1);
  });
});

describe('an approval finished twice at once', () => {
  it('by two approvals and the repair: every approver is answered approved, one membership', async () => {
    await fac.client.delete(`/api/spaces/${spaceId}/members/${asker.user.id}`);
    const id = (await asker.client.post(`/api/spaces/${spaceId}/join-requests`, {})).body.joinRequest.id;
    const url = `/api/spaces/${spaceId}/join-requests/${id}/approve`;
    const [a, b] = await Promise.all([fac.client.post(url), fac.client.post(url), repairSpaceWrites(srv.app.ctx)]);
    // Each approver is told the request ended approved: 200 with it, or, when the other approval or the
    // repair closed it before this one could claim it, 409 naming the approved status.
    const outcome = (r: ApiResponse) => (r.status === 200 ? r.body.joinRequest.status : r.status === 409 ? r.body.error.details?.status : r.status);
    expect([outcome(a), outcome(b)]).toEqual(['approved', 'approved']);
    expect([a.status, b.status]).toContain(200);
    expect(await col('memberships').count({ spaceId, userId: asker.user.id })).toBe(1);
    expect(status(await fac.client.post(url))).toEqual([409, 'conflict']);
  });
});

describe('a join through an invite cut short after the seat was taken', () => {
  it('the same user retrying gets in on that seat, not a second one; the seat is not given to anyone else', async () => {
    const code = (await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'guest', maxUses: 1 })).body.invite.code;
    await col('invites').updateOne({ _id: code }, { $inc: { uses: 1 }, $push: { joining: joiner.user.id } });
    expect(status(await late.client.post(`/api/invites/${code}/accept`))).toEqual([410, 'gone']);
    const res = await joiner.client.post(`/api/invites/${code}/accept`);
    expect([res.status, res.body.role]).toEqual([200, 'guest']);
    expect(await col('invites').findOne({ _id: code })).toMatchObject({ uses: 1, joining: [] });
  });

  it('the repair at start finishes a seat whose membership was never written', async () => {
    const code = (await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member', maxUses: 2 })).body.invite.code;
    await col('invites').updateOne({ _id: code }, { $inc: { uses: 1 }, $push: { joining: late.user.id } });
    expect((await late.client.get(`/api/spaces/${spaceId}`)).body.role).toBeNull();
    await restart();
    expect((await late.client.get(`/api/spaces/${spaceId}`)).body.role).toBe('member');
    expect(await col('invites').findOne({ _id: code })).toMatchObject({ uses: 1, joining: [] });
  });
});

describe('a moderation cut short', () => {
  const send = async (text: string) => {
    const socket = await connectSocket(srv.url, author.client.cookie);
    return data(await call(socket, 'message:send', { channelId: general, text, clientMsgId: cid() })).message;
  };
  const entriesFor = async (messageId: string) =>
    (await fac.client.get(`/api/spaces/${spaceId}/moderation`)).body.entries.filter((e: { messageId: string }) => e.messageId === messageId);
  const pendingEntry = (m: { id: string; text: string }) => ({
    _id: `msg-${m.id}`,
    spaceId,
    channelId: general,
    messageId: m.id,
    action: 'message.delete',
    actorId: fac.user.id,
    authorId: author.user.id,
    text: m.text,
    reason: 'spam',
    at: new Date(),
    pending: true,
  });

  it('after the log entry: the entry is not shown while the message is there; removing again makes one entry', async () => {
    const m = await send('buy my stuff');
    await col('moderationLog').insertOne(pendingEntry(m));
    expect(await entriesFor(m.id)).toEqual([]);
    const socket = await connectSocket(srv.url, fac.client.cookie);
    expect(data(await call(socket, 'message:delete', { messageId: m.id, reason: 'again' }))).toEqual({ messageId: m.id });
    const entries = await entriesFor(m.id);
    expect(entries.map((e: { text: string; reason: string }) => [e.text, e.reason])).toEqual([['buy my stuff', 'spam']]);
    expect(await col('moderationLog').count({ pending: true })).toBe(0);
  });

  it('after the removal: the entry is shown; the repair at start makes it final', async () => {
    const m = await send('more spam');
    await col('moderationLog').insertOne(pendingEntry(m));
    await col('messages').updateOne({ _id: m.id }, { $set: { deletedAt: new Date(), deletedBy: fac.user.id, text: '' } });
    expect((await entriesFor(m.id)).map((e: { text: string }) => e.text)).toEqual(['more spam']);
    await restart();
    expect((await entriesFor(m.id)).map((e: { text: string }) => e.text)).toEqual(['more spam']);
    expect(await col('moderationLog').count({ pending: true })).toBe(0);
  });
});
