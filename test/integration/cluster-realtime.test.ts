/**
 * Two real server processes on one Redis and one MongoDB: chat, logout, presence, live sessions and rate
 * limits behave as if there were one server. Skips with a printed reason when Redis or MongoDB is missing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, cid, closeSockets, connectSocket, data, next, record, sleep, spaceWith } from '../helpers/chat';
import { clusterSkipReason, useCluster } from '../helpers/cluster';
import { ApiClient } from '../helpers/server';
import { waitFor } from '../helpers/wait';

const skip = clusterSkipReason();
if (skip) console.warn(`[cluster-realtime] skipped: ${skip}`);

let A: string;
let B: string;
const getCluster = useCluster(2, skip, closeSockets);
beforeAll(() => {
  if (!skip) [A, B] = getCluster().nodes.map((n) => n.url) as [string, string];
});

/** The same login seen through another process (sessions live in the shared store). */
const via = (client: ApiClient, url: string) => Object.assign(new ApiClient(url), { cookie: client.cookie });

describe.skipIf(skip)('two processes', () => {
  it('a chat message sent on A reaches a member on B exactly once, in order, with the ack', async () => {
    const { spaceId, general, fac, people } = await spaceWith(A, [{ name: 'Bea Member' }]);
    const a = await connectSocket(A, fac.client.cookie);
    const b = await connectSocket(B, people[0]!.client.cookie);
    data(await call(a, 'space:join', { spaceId }));
    data(await call(b, 'space:join', { spaceId }));
    const got = record(b, 'message:new');
    const acks = [];
    for (let i = 0; i < 5; i++) acks.push(data(await call(a, 'message:send', { channelId: general, text: `hello ${i}`, clientMsgId: cid() })));
    await next(b, 'message:new', (p) => p.message.text === 'hello 4');
    await sleep(300); // anything duplicated would have arrived by now
    expect(got.map((p) => p.message.text)).toEqual(['hello 0', 'hello 1', 'hello 2', 'hello 3', 'hello 4']);
    expect(got.map((p) => p.message.id)).toEqual(acks.map((x) => x.message.id));

    // History read through B after "reconnecting" there has every message once.
    const hist = await via(fac.client, B).get(`/api/channels/${general}/messages`);
    expect(hist.status).toBe(200);
    const texts = (hist.body.messages as { text: string }[]).map((m) => m.text).filter((t) => t.startsWith('hello'));
    expect([...texts].sort()).toEqual(['hello 0', 'hello 1', 'hello 2', 'hello 3', 'hello 4']);
  });

  it('who is online covers both processes', async () => {
    const { spaceId, fac, people } = await spaceWith(A, [{ name: 'Olive Online' }]);
    const a = await connectSocket(A, fac.client.cookie);
    data(await call(a, 'space:join', { spaceId }));
    const seen = next(a, 'presence', (p) => p.online.some((u) => u.userId === people[0]!.user.id));
    const b = await connectSocket(B, people[0]!.client.cookie);
    const joined = data(await call(b, 'space:join', { spaceId }));
    expect(joined.online.map((u) => u.userId).sort()).toEqual([fac.user.id, people[0]!.user.id].sort());
    expect((await seen).online).toHaveLength(2);
    const gone = next(a, 'presence', (p) => p.online.length === 1);
    b.disconnect();
    expect((await gone).online.map((u) => u.userId)).toEqual([fac.user.id]);
  });

  it('logging out on A closes the same login’s sockets on B', async () => {
    const { fac } = await spaceWith(A);
    const onB = await connectSocket(B, fac.client.cookie);
    const closed = new Promise<string>((resolve) => onB.once('disconnect', resolve));
    expect((await fac.client.post('/api/auth/logout')).status).toBeLessThan(300);
    expect(await closed).toBe('io server disconnect');
  });

  it('a member removed on A stops receiving the space on B and is told so once', async () => {
    const { spaceId, general, fac, people } = await spaceWith(A, [{ name: 'Rex Removed' }]);
    const b = await connectSocket(B, people[0]!.client.cookie);
    data(await call(b, 'space:join', { spaceId }));
    const removed = record(b, 'space:removed');
    const after = record(b, 'message:new');
    const res = await fac.client.delete(`/api/spaces/${spaceId}/members/${people[0]!.user.id}`);
    expect(res.status).toBeLessThan(300);
    // The event may arrive before the HTTP answer: wait on what was recorded, then for any duplicate.
    await waitFor(() => removed.length > 0, 'space:removed on B').catch(() => undefined);
    await sleep(300);
    expect(removed).toEqual([{ spaceId }]);
    const a = await connectSocket(A, fac.client.cookie);
    data(await call(a, 'message:send', { channelId: general, text: 'not for Rex', clientMsgId: cid() }));
    await sleep(300);
    expect(after).toEqual([]);
  });

  it('a facilitator on A advances a live session and a participant on B sees the same step and deadline', async () => {
    const { spaceId, fac, people } = await spaceWith(A, [{ name: 'Pat Participant' }]);
    const created = await fac.client.post(`/api/spaces/${spaceId}/sessions`, {
      title: 'Cross-process meeting',
      steps: [
        { title: 'Notice', minutes: 5 },
        { title: 'Plan', minutes: 10 },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const sessionId: string = created.body.session.id;
    const f = await connectSocket(A, fac.client.cookie);
    const p = await connectSocket(B, people[0]!.client.cookie);
    data(await call(f, 'session:join', { sessionId }));
    data(await call(p, 'session:join', { sessionId }));
    const started = data(await call(f, 'session:control', { sessionId, action: 'start', version: 0 }));
    const seen = next(p, 'session:state', (s) => s.state.stepIndex === 1);
    const moved = data(await call(f, 'session:control', { sessionId, action: 'next', version: started.state.version }));
    const onB = (await seen).state;
    expect(onB.stepIndex).toBe(1);
    expect(onB.stepEndsAt).toBe(moved.state.stepEndsAt);
    expect(onB.version).toBe(moved.state.version);
  });

  it('rate limits count across processes', async () => {
    const { fac } = await spaceWith(A);
    // Wrong passwords per address and account: 10 per 15 minutes, counted in Redis, so the 11th on B is refused.
    for (let i = 0; i < 10; i++) {
      const r = await new ApiClient(i % 2 ? A : B).post('/api/auth/login', { email: fac.user.email, password: 'wrong password here' });
      expect(r.status).toBe(401);
    }
    const r = await new ApiClient(B).post('/api/auth/login', { email: fac.user.email, password: 'wrong password here' });
    expect(r.status).toBe(429);
  });

  it('/healthz says the process reaches Redis', async () => {
    const res = await new ApiClient(A).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', store: 'mongodb', redis: 'ok' });
  });
});
