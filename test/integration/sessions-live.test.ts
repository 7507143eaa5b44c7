/**
 * Live sessions over the real server and the stock socket.io-client: the timer controls, the one-authority
 * rule under racing facilitators, late joiners, a restart mid-step, role rights, the speaking queue and
 * fist-to-five. Time is a controllable clock passed to the server (`now`), never a real wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/events';
import type { LiveState } from '../../shared/sessions';
import { ApiClient, signupUser, startServer, tempDir, type TestServer } from '../helpers/server';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
type U = Awaited<ReturnType<typeof signupUser>>;

const MIN = 60_000;
let clock = Date.UTC(2026, 10, 23, 15, 0, 0);
const now = () => clock;
const advance = (ms: number) => void (clock += ms);

let dataDir: string;
let srv: TestServer;
let fac: U, fac2: U, mem: U, gst: U, stranger: U;
let spaceId: string;
const sockets: Client[] = [];

async function open(client: ApiClient, url = srv.url): Promise<Client> {
  const s: Client = connect(url, { transports: ['websocket'], extraHeaders: { cookie: client.cookie }, forceNew: true, reconnection: false });
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('connect_error', reject);
  });
  return s;
}

/** Emits and resolves with the raw ack (`{ data }` or `{ error }`). */
function call(s: Client, event: keyof ClientToServerEvents, payload: unknown): Promise<any> {
  return new Promise((resolve) => (s.emit as (...a: unknown[]) => void)(event, payload, resolve));
}

async function ok(s: Client, event: keyof ClientToServerEvents, payload: unknown): Promise<any> {
  const res = await call(s, event, payload);
  expect(res.error, JSON.stringify(res.error)).toBeUndefined();
  return res.data;
}

async function err(s: Client, event: keyof ClientToServerEvents, payload: unknown, code: string): Promise<any> {
  const res = await call(s, event, payload);
  expect(res.error?.code, JSON.stringify(res)).toBe(code);
  return res.error;
}

async function addVia(who: ApiClient, role: string) {
  const inv = await fac.client.post(`/api/spaces/${spaceId}/invites`, { role });
  expect(inv.status).toBe(201);
  expect((await who.post(`/api/invites/${inv.body.invite.code}/accept`)).status).toBe(200);
}

/** A new two-step session (5 and 10 minutes) in the test space. */
async function newSession(extra: Record<string, unknown> = {}) {
  const res = await fac.client.post(`/api/spaces/${spaceId}/sessions`, {
    title: 'Unit 3 data meeting',
    steps: [
      { title: 'Look at the data', minutes: 5, prompt: 'What do you notice?' },
      { title: 'Plan the reteach', minutes: 10 },
      { title: 'Commitments', minutes: 3, speaking: 'go-round' },
    ],
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.session as { id: string; state: LiveState; steps: unknown[] };
}

beforeAll(async () => {
  dataDir = tempDir();
  srv = await startServer({ dataDir, now });
  [fac, fac2, mem, gst, stranger] = await Promise.all([signupUser(srv.url, 'Facilitator'), signupUser(srv.url, 'Cofacilitator'), signupUser(srv.url, 'Member'), signupUser(srv.url, 'Guest'), signupUser(srv.url, 'Stranger')]);
  const sp = await fac.client.post('/api/spaces', { name: 'Grade 4 math PLC', kind: 'plc' });
  spaceId = sp.body.space.id;
  await addVia(fac2.client, 'facilitator');
  await addVia(mem.client, 'member');
  await addVia(gst.client, 'guest');
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await srv?.close();
});

describe('timer controls', () => {
  it('start, pause, resume, extend, next, previous, end move one authoritative state', async () => {
    const session = await newSession();
    expect(session.state).toMatchObject({ status: 'planned', stepIndex: 0, version: 0, stepEndsAt: null, stepCount: 3 });
    const f = await open(fac.client);
    const joined = await ok(f, 'session:join', { sessionId: session.id });
    expect(joined.state.status).toBe('planned');
    expect(joined.session.steps).toHaveLength(3);

    const t0 = clock;
    let { state } = await ok(f, 'session:control', { sessionId: session.id, action: 'start', version: 0 });
    expect(state).toMatchObject({ status: 'running', stepIndex: 0, stepEndsAt: t0 + 5 * MIN, remainingMs: null, version: 1, serverNow: t0, timeUp: false });

    advance(1 * MIN);
    ({ state } = await ok(f, 'session:control', { sessionId: session.id, action: 'pause', version: 1 }));
    expect(state).toMatchObject({ status: 'paused', stepEndsAt: null, remainingMs: 4 * MIN, version: 2 });

    advance(10 * MIN); // paused time does not count
    ({ state } = await ok(f, 'session:control', { sessionId: session.id, action: 'extend', minutes: 2, version: 2 }));
    expect(state).toMatchObject({ status: 'paused', remainingMs: 6 * MIN, version: 3 });

    ({ state } = await ok(f, 'session:control', { sessionId: session.id, action: 'resume' }));
    expect(state).toMatchObject({ status: 'running', stepEndsAt: clock + 6 * MIN, remainingMs: null, version: 4 });

    ({ state } = await ok(f, 'session:control', { sessionId: session.id, action: 'extend', minutes: 1.5 }));
    expect(state.stepEndsAt).toBe(clock + 7.5 * MIN);

    advance(8 * MIN);
    const late = await ok(f, 'session:join', { sessionId: session.id });
    expect(late.state.timeUp).toBe(true); // time is up; nothing auto-advances

    ({ state } = await ok(f, 'session:control', { sessionId: session.id, action: 'next' }));
    expect(state).toMatchObject({ status: 'running', stepIndex: 1, stepEndsAt: clock + 10 * MIN, timeUp: false });

    advance(2 * MIN);
    ({ state } = await ok(f, 'session:control', { sessionId: session.id, action: 'previous' }));
    expect(state).toMatchObject({ stepIndex: 0, stepEndsAt: clock + 5 * MIN });

    ({ state } = await ok(f, 'session:control', { sessionId: session.id, action: 'goto', stepIndex: 2 }));
    expect(state).toMatchObject({ stepIndex: 2, stepEndsAt: clock + 3 * MIN });

    advance(3 * MIN);
    ({ state } = await ok(f, 'session:control', { sessionId: session.id, action: 'end' }));
    expect(state).toMatchObject({ status: 'ended', stepEndsAt: null, remainingMs: null, endedAt: clock });

    const ended = await err(f, 'session:control', { sessionId: session.id, action: 'next' }, 'conflict');
    expect(ended.message).toMatch(/ended/);
    expect(ended.details.state.status).toBe('ended');

    // Steps with actual times: step 0 ran 1 min + 8 min, then 0 min more on the second visit; pauses excluded.
    const sum = await fac.client.get(`/api/sessions/${session.id}/summary`);
    expect(sum.status).toBe(200);
    expect(sum.body.summary.steps.map((s: { actualMs: number }) => s.actualMs)).toEqual([9 * MIN, 2 * MIN, 3 * MIN]);
    expect(sum.body.summary.steps[0].extendedMinutes).toBe(3.5);
  });

  it('broadcasts session:state to everyone in the room, with serverNow for clock offset', async () => {
    const session = await newSession();
    const f = await open(fac.client);
    const m = await open(mem.client);
    await ok(f, 'session:join', { sessionId: session.id });
    await ok(m, 'session:join', { sessionId: session.id });
    const seen = new Promise<LiveState>((resolve) => m.once('session:state', ({ state }) => resolve(state)));
    await ok(f, 'session:control', { sessionId: session.id, action: 'start' });
    const state = await seen;
    expect(state).toMatchObject({ sessionId: session.id, status: 'running', serverNow: clock, stepEndsAt: clock + 5 * MIN });
  });

  it('two facilitators pressing "next" with the same version move one step; the other gets conflict and the fresh state', async () => {
    const session = await newSession();
    const [a, b] = [await open(fac.client), await open(fac2.client)];
    const { state } = await ok(a, 'session:control', { sessionId: session.id, action: 'start' });
    const v = state.version;
    const [ra, rb] = await Promise.all([
      call(a, 'session:control', { sessionId: session.id, action: 'next', version: v }),
      call(b, 'session:control', { sessionId: session.id, action: 'next', version: v }),
    ]);
    const wins = [ra, rb].filter((r) => r.data);
    const losses = [ra, rb].filter((r) => r.error);
    expect(wins).toHaveLength(1);
    expect(losses).toHaveLength(1);
    expect(wins[0].data.state).toMatchObject({ stepIndex: 1, version: v + 1 });
    expect(losses[0].error.code).toBe('conflict');
    expect(losses[0].error.details.state).toMatchObject({ stepIndex: 1, version: v + 1 });

    // Without a version both presses apply, one after the other.
    const [rc, rd] = await Promise.all([
      call(a, 'session:control', { sessionId: session.id, action: 'previous' }),
      call(b, 'session:control', { sessionId: session.id, action: 'next' }),
    ]);
    expect(rc.data && rd.data).toBeTruthy();
    const versions = [rc.data.state.version, rd.data.state.version].sort();
    expect(versions).toEqual([v + 2, v + 3]);
    const detail = await fac.client.get(`/api/sessions/${session.id}`);
    expect(detail.body.session.state).toMatchObject({ stepIndex: 1, version: v + 3 });
  });

  it('a late joiner sees the right remaining time at once', async () => {
    const session = await newSession();
    const f = await open(fac.client);
    const started = clock;
    await ok(f, 'session:control', { sessionId: session.id, action: 'start' });
    advance(90_000);
    const g = await open(gst.client);
    const { state } = await ok(g, 'session:join', { sessionId: session.id });
    expect(state.stepEndsAt).toBe(started + 5 * MIN);
    expect(state.stepEndsAt - state.serverNow).toBe(5 * MIN - 90_000);
  });
});

describe('rights', () => {
  it('members and guests cannot control; the assigned timekeeper can; strangers do not see the session', async () => {
    const session = await newSession();
    const m = await open(mem.client);
    const g = await open(gst.client);
    const s = await open(stranger.client);
    expect((await err(m, 'session:control', { sessionId: session.id, action: 'start' }, 'forbidden')).message).toMatch(/facilitator or timekeeper/);
    await err(g, 'session:control', { sessionId: session.id, action: 'start' }, 'forbidden');
    await err(s, 'session:join', { sessionId: session.id }, 'not_found');
    await err(s, 'session:control', { sessionId: session.id, action: 'start' }, 'not_found');

    // Only facilitators assign roles.
    expect((await mem.client.patch(`/api/sessions/${session.id}`, { roles: { timekeeper: mem.user.id } })).status).toBe(403);
    const patched = await fac.client.patch(`/api/sessions/${session.id}`, { roles: { timekeeper: mem.user.id } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.session.roles.timekeeper).toBe(mem.user.id);
    const { state } = await ok(m, 'session:control', { sessionId: session.id, action: 'start' });
    expect(state.status).toBe('running');
    expect((await mem.client.get(`/api/sessions/${session.id}`)).body.canControl).toBe(true);
    expect((await gst.client.get(`/api/sessions/${session.id}`)).body.canControl).toBe(false);
    // The guest still cannot, and cannot open a vote either.
    await err(g, 'session:control', { sessionId: session.id, action: 'pause' }, 'forbidden');
    await err(g, 'vote:open', { sessionId: session.id }, 'forbidden');

    // A guest may keep the norms, but not run the session or take the notes.
    for (const key of ['timekeeper', 'facilitator', 'noteTaker']) {
      const refused = await fac.client.patch(`/api/sessions/${session.id}`, { roles: { [key]: gst.user.id } });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'invalid_payload', details: { fields: [{ field: `roles.${key}` }] } });
    }
    expect((await fac.client.patch(`/api/sessions/${session.id}`, { roles: { normKeeper: gst.user.id } })).status).toBe(200);
    expect((await fac.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'x', steps: [{ title: 'a', minutes: 1 }], roles: { timekeeper: gst.user.id } })).status).toBe(400);
  });

  it('bad input gets invalid_payload: unknown step, zero / negative / huge minutes, unknown action, missing minutes', async () => {
    const session = await newSession();
    const f = await open(fac.client);
    await err(f, 'session:control', { sessionId: session.id, action: 'next' }, 'conflict'); // not started
    await ok(f, 'session:control', { sessionId: session.id, action: 'start' });
    for (const minutes of [-5, 0, 100_000]) await err(f, 'session:control', { sessionId: session.id, action: 'extend', minutes }, 'invalid_payload');
    await err(f, 'session:control', { sessionId: session.id, action: 'extend' }, 'invalid_payload');
    await err(f, 'session:control', { sessionId: session.id, action: 'goto', stepIndex: 7 }, 'invalid_payload');
    await err(f, 'session:control', { sessionId: session.id, action: 'goto', stepIndex: -1 }, 'invalid_payload');
    await err(f, 'session:control', { sessionId: session.id, action: 'previous' }, 'invalid_payload'); // on the first step
    await err(f, 'session:control', { sessionId: session.id, action: 'rewind' }, 'invalid_payload');
    await err(f, 'session:control', { sessionId: 'no such id!', action: 'start' }, 'invalid_payload');
    await err(f, 'session:control', { sessionId: 'nosuchsession', action: 'start' }, 'not_found');
    await err(f, 'session:control', { sessionId: session.id, action: 'start' }, 'conflict'); // already started
    const stale = await err(f, 'session:control', { sessionId: session.id, action: 'pause', version: 0 }, 'conflict');
    expect(stale.details.state.version).toBe(1);
  });
});

describe('speaking queue and fist to five', () => {
  it('guests and members raise hands into one queue; a facilitator lowers them', async () => {
    const session = await newSession();
    const f = await open(fac.client);
    const m = await open(mem.client);
    const g = await open(gst.client);
    await err(g, 'hand:raise', { sessionId: session.id }, 'conflict'); // not started yet
    await ok(f, 'session:join', { sessionId: session.id });
    await ok(f, 'session:control', { sessionId: session.id, action: 'start' });
    await ok(g, 'hand:raise', { sessionId: session.id });
    advance(1000);
    const { state } = await ok(m, 'hand:raise', { sessionId: session.id });
    expect(state.hands.map((h: { userId: string }) => h.userId)).toEqual([gst.user.id, mem.user.id]);
    expect(state.hands[0].name).toBe('Guest');
    await err(m, 'hand:lower', { sessionId: session.id, userId: gst.user.id }, 'forbidden');
    const after = await ok(f, 'hand:lower', { sessionId: session.id, userId: gst.user.id });
    expect(after.state.hands.map((h: { userId: string }) => h.userId)).toEqual([mem.user.id]);
    const own = await ok(m, 'hand:lower', { sessionId: session.id });
    expect(own.state.hands).toEqual([]);
  });

  it('tallies votes per value, lists who is under three, and re-votes as round 2', async () => {
    const session = await newSession();
    const f = await open(fac.client);
    const m = await open(mem.client);
    const g = await open(gst.client);
    await ok(f, 'session:join', { sessionId: session.id });
    await ok(f, 'session:control', { sessionId: session.id, action: 'start' });
    const { vote } = await ok(f, 'vote:open', { sessionId: session.id, question: 'Are we ready to adopt the new rubric?' });
    expect(vote).toMatchObject({ status: 'open', round: 1, castCount: 0, results: null });
    await err(f, 'vote:open', { sessionId: session.id }, 'conflict'); // one at a time
    await ok(f, 'vote:cast', { voteId: vote.id, value: 4 });
    await ok(m, 'vote:cast', { voteId: vote.id, value: 5 });
    await ok(m, 'vote:cast', { voteId: vote.id, value: 2 }); // changed their mind: counted once
    const cast = await ok(g, 'vote:cast', { voteId: vote.id, value: 0 });
    expect(cast.vote.castCount).toBe(3);
    // A member coming back (reload, second tab) is told their own ballot; someone who has not voted is not.
    const m2 = await open(mem.client);
    expect((await ok(m2, 'session:join', { sessionId: session.id })).myVote).toEqual({ voteId: vote.id, value: 2 });
    const s2 = await open(fac2.client);
    expect((await ok(s2, 'session:join', { sessionId: session.id })).myVote).toBeNull();
    await err(g, 'vote:cast', { voteId: vote.id, value: 6 }, 'invalid_payload');
    await err(g, 'vote:cast', { voteId: vote.id, value: 2.5 }, 'invalid_payload');
    await err(m, 'vote:close', { voteId: vote.id }, 'forbidden');

    const announced = new Promise<any>((resolve) => f.once('vote:results', resolve));
    const { results, state } = await ok(f, 'vote:close', { voteId: vote.id });
    expect(results.tally).toEqual({ 0: 1, 1: 0, 2: 1, 3: 0, 4: 1, 5: 0 });
    expect(results.count).toBe(3);
    expect(results.average).toBe(2);
    expect(results.consensus).toBe(false);
    expect(results.underThree.map((u: { userId: string; value: number }) => [u.userId, u.value]).sort()).toEqual(
      [
        [mem.user.id, 2],
        [gst.user.id, 0],
      ].sort(),
    );
    expect(state.vote).toMatchObject({ id: vote.id, status: 'closed', results: { count: 3 } });
    // Under three gets the floor: the guest (0) then the member (2) head the speaking queue.
    expect(state.hands.map((h: { userId: string }) => h.userId)).toEqual([gst.user.id, mem.user.id]);
    expect((await announced).results.voteId).toBe(vote.id);
    await err(m, 'vote:cast', { voteId: vote.id, value: 3 }, 'conflict'); // closed

    const re = await ok(f, 'vote:open', { sessionId: session.id });
    expect(re.vote).toMatchObject({ question: 'Are we ready to adopt the new rubric?', round: 2 });
    for (const [s, v] of [[f, 4], [m, 3], [g, 3]] as const) await ok(s, 'vote:cast', { voteId: re.vote.id, value: v });
    const second = await ok(f, 'vote:close', { voteId: re.vote.id });
    expect(second.results).toMatchObject({ round: 2, underThree: [], consensus: true });
  });
  it('ending the session closes an open vote and keeps its results for the summary', async () => {
    const session = await newSession();
    const f = await open(fac.client);
    const m = await open(mem.client);
    await ok(f, 'session:join', { sessionId: session.id });
    await ok(f, 'session:control', { sessionId: session.id, action: 'start' });
    const { vote } = await ok(f, 'vote:open', { sessionId: session.id });
    expect(vote.question).toMatch(/Fist to five/);
    await ok(m, 'vote:cast', { voteId: vote.id, value: 1 });
    const announced = new Promise<any>((resolve) => f.once('vote:results', resolve));
    const { state } = await ok(f, 'session:control', { sessionId: session.id, action: 'end' });
    expect(state.vote).toMatchObject({ id: vote.id, status: 'closed', results: { count: 1, underThree: [{ userId: mem.user.id, value: 1 }] } });
    expect((await announced).results.count).toBe(1);
    await err(m, 'vote:cast', { voteId: vote.id, value: 4 }, 'conflict');
    await err(m, 'hand:raise', { sessionId: session.id }, 'conflict');
    await err(f, 'vote:open', { sessionId: session.id }, 'conflict');
    const sum = await fac.client.get(`/api/sessions/${session.id}/summary`);
    expect(sum.body.summary.votes).toHaveLength(1);
  });
});

describe('the space\'s session list', () => {
  it('members (not strangers) hear sessions:changed when a session is created, started and ended', async () => {
    const m = await open(mem.client);
    const x = await open(stranger.client);
    const heard: string[] = [];
    const strangerHeard: unknown[] = [];
    m.on('sessions:changed', (p) => heard.push(`${p.spaceId}/${p.sessionId}`));
    x.on('sessions:changed', (p) => strangerHeard.push(p));
    const session = await newSession();
    await expect.poll(() => heard).toEqual([`${spaceId}/${session.id}`]);
    const f = await open(fac.client);
    const started = await ok(f, 'session:control', { sessionId: session.id, action: 'start' });
    await expect.poll(() => heard.length).toBe(2);
    await ok(m, 'session:join', { sessionId: session.id });
    await ok(m, 'hand:raise', { sessionId: session.id }); // a live-only change: the list stays as it is
    await ok(f, 'session:control', { sessionId: session.id, action: 'pause', version: started.state.version });
    await ok(f, 'session:control', { sessionId: session.id, action: 'end' });
    await expect.poll(() => heard.length).toBe(4); // create, start, pause, end
    await new Promise((r) => setTimeout(r, 50));
    expect(heard).toHaveLength(4);
    expect(strangerHeard).toEqual([]);
  });
});

describe('carried action items', () => {
  it('marking done an item carried from an earlier session reaches the later session\'s room too', async () => {
    const first = await newSession();
    const item = await fac.client.post(`/api/sessions/${first.id}/action-items`, { text: 'Send the reteach plan', ownerId: mem.user.id });
    expect(item.status).toBe(201);
    const seriesId = (await fac.client.get(`/api/sessions/${first.id}`)).body.session.seriesId as string;
    const later = await fac.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'Unit 3 follow-up', steps: [{ title: 'Check in', minutes: 5 }], seriesId });
    expect(later.status, JSON.stringify(later.body)).toBe(201);
    const laterId = later.body.session.id as string;

    const m = await open(mem.client);
    await ok(m, 'session:join', { sessionId: laterId });
    const heard = new Promise<any>((resolve) => m.on('session:actionItem', resolve));
    expect((await mem.client.patch(`/api/action-items/${item.body.actionItem.id}`, { done: true })).status).toBe(200);
    const got = await heard;
    expect(got.sessionId).toBe(laterId);
    expect(got.actionItem).toMatchObject({ id: item.body.actionItem.id, done: true });
  });
});

describe('attendance and restart', () => {
  it('records who joined the live session, and a restart mid-step keeps the deadline', async () => {
    const session = await newSession();
    const f = await open(fac.client);
    const m = await open(mem.client);
    await ok(m, 'session:join', { sessionId: session.id }); // in the room before the start
    const started = clock;
    await ok(f, 'session:control', { sessionId: session.id, action: 'start' });
    const g = await open(gst.client);
    await ok(g, 'session:join', { sessionId: session.id });
    advance(2 * MIN);

    await srv.close({ keepData: true });
    advance(30_000);
    srv = await startServer({ dataDir, now });
    const f2 = await open(fac.client, srv.url);
    const { state } = await ok(f2, 'session:join', { sessionId: session.id });
    expect(state).toMatchObject({ status: 'running', stepIndex: 0, stepEndsAt: started + 5 * MIN });
    expect(state.stepEndsAt - state.serverNow).toBe(5 * MIN - 150_000);
    const next = await ok(f2, 'session:control', { sessionId: session.id, action: 'next', version: state.version });
    expect(next.state.stepIndex).toBe(1);

    const again = new ApiClient(srv.url); // the new server listens on a new port; the login survived in the store
    again.cookie = fac.client.cookie;
    const sum = await again.get(`/api/sessions/${session.id}/summary`);
    const names = sum.body.summary.attendance.map((a: { user: { name: string } }) => a.user.name).sort();
    expect(names).toEqual(['Facilitator', 'Guest', 'Member']);
    expect(sum.body.summary.attendance.find((a: { user: { name: string } }) => a.user.name === 'Guest').role).toBe('guest');
  });
});

describe('flooding', () => {
  it('a client that floods session events gets rate_limited, with a retry hint', async () => {
    const s = await open(stranger.client);
    const answers = await Promise.all(Array.from({ length: 110 }, () => call(s, 'session:leave', { sessionId: 'whatever' })));
    const limited = answers.filter((a) => a.error?.code === 'rate_limited');
    expect(answers.filter((a) => a.data)).toHaveLength(100);
    expect(limited).toHaveLength(10);
    expect(limited[0].error.details.retryAfterSeconds).toBeGreaterThan(0);
  });
});
