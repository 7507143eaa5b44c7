/**
 * The realtime kit (server/realtime/kit.ts) from outside, with the stock socket.io-client against the real
 * app: every event is parsed, then limited, then authorized, then run, and every ack is exactly `{ data }`
 * or `{ error: { code, message, details? } }`, whichever feature the event belongs to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents } from '../../shared/events';
import { call, closeSockets, connectSocket, data, record, sleep, spaceWith, type ChatSocket } from '../helpers/chat';
import { signupUser, startServer, type TestServer } from '../helpers/server';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  closeSockets();
  await srv.close();
});

/** Emits with a raw payload (bypassing the typed map) and resolves with the raw ack. */
const raw = (s: ChatSocket, event: keyof ClientToServerEvents, payload: unknown) => call(s, event, payload) as Promise<Record<string, unknown>>;

/** Asserts the contract shape of an ack and returns its error code (or null for data). */
function shapeOf(ack: Record<string, unknown>): string | null {
  const keys = Object.keys(ack);
  expect(keys.length, JSON.stringify(ack)).toBe(1);
  if (keys[0] === 'data') return null;
  expect(keys[0]).toBe('error');
  const error = ack.error as Record<string, unknown>;
  expect(typeof error.code).toBe('string');
  expect(typeof error.message).toBe('string');
  expect(Object.keys(error).every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
  return error.code as string;
}

describe('parse: a bad payload is invalid_payload, whichever layer owns the event', () => {
  it.each([
    ['space:join', {}],
    ['space:join', { spaceId: 'x'.repeat(500) }],
    ['message:send', { channelId: 'c1', text: '', clientMsgId: 'short' }],
    ['session:join', { sessionId: 42 }],
    ['vote:cast', { voteId: 'v1', value: 9 }],
    ['typing', { channelId: 'c1', typing: 'yes', extra: 1 }],
    ['session:control', null],
  ] as const)('%s (case %#)', async (event, payload) => {
    const { fac } = await spaceWith(srv.url);
    const s = await connectSocket(srv.url, fac.client.cookie);
    const ack = await raw(s, event, payload);
    expect(shapeOf(ack)).toBe('invalid_payload');
    const details = (ack.error as { details: { fields: { field: string; message: string }[] } }).details;
    expect(details.fields.length).toBeGreaterThan(0);
  });

  it('unknown keys (even __proto__) are refused, and a callback-only emit is answered', async () => {
    const { fac, spaceId } = await spaceWith(srv.url);
    const s = await connectSocket(srv.url, fac.client.cookie);
    expect(shapeOf(await raw(s, 'space:join', JSON.parse(`{"spaceId":"${spaceId}","__proto__":{"admin":true}}`)))).toBe('invalid_payload');
    const bare = await new Promise<Record<string, unknown>>((resolve) => (s.emit as (e: string, cb: (r: unknown) => void) => void)('space:leave', resolve as never));
    expect(shapeOf(bare)).toBe('invalid_payload');
  });
});

describe('limit: past the limit is rate_limited with a retry hint; bad payloads do not count', () => {
  it('space:join: 60 per 10 s per user, then rate_limited', async () => {
    const { fac, spaceId } = await spaceWith(srv.url);
    const s = await connectSocket(srv.url, fac.client.cookie);
    // Parsing comes first: malformed events are refused without using up the limit.
    for (let i = 0; i < 20; i++) expect(shapeOf(await raw(s, 'space:join', { nope: i }))).toBe('invalid_payload');
    const acks = await Promise.all(Array.from({ length: 70 }, () => raw(s, 'space:join', { spaceId })));
    const codes = acks.map(shapeOf);
    expect(codes.filter((c) => c === null)).toHaveLength(60);
    expect(codes.filter((c) => c === 'rate_limited')).toHaveLength(10);
    const refused = acks.find((a) => 'error' in a) as { error: { message: string; details: { retryAfterSeconds: number } } };
    expect(refused.error.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.error.message).toMatch(/wait \d+ second/);
    // The limit is per user: someone else is unaffected.
    const other = await signupUser(srv.url, 'Other');
    const o = await connectSocket(srv.url, other.client.cookie);
    expect(shapeOf(await raw(o, 'space:leave', { spaceId }))).toBeNull();
  });
});

describe('authorize: refused before anything happens', () => {
  it('a stranger to a listed space is forbidden from joining it and receives none of its events', async () => {
    const fac = await signupUser(srv.url, 'Facilitator');
    const spaceId = (await fac.client.post('/api/spaces', { name: 'Open PLC', kind: 'plc', visibility: 'listed' })).body.space.id;
    const stranger = await signupUser(srv.url, 'Stranger');
    const s = await connectSocket(srv.url, stranger.client.cookie);
    const presence = record(s, 'presence');
    const ack = await raw(s, 'space:join', { spaceId });
    expect(shapeOf(ack)).toBe('forbidden');
    const f = await connectSocket(srv.url, fac.client.cookie);
    data(await call(f, 'space:join', { spaceId }));
    await sleep(300); // presence is coalesced (100 ms)
    expect(presence).toEqual([]);
  });

  it('a member who is not facilitator or timekeeper is forbidden from controlling a session, which stays as it was', async () => {
    const { fac, people, spaceId } = await spaceWith(srv.url, [{ name: 'Member' }]);
    const sessionId = (await fac.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'Meeting', steps: [{ title: 'Talk', minutes: 5 }] })).body.session.id;
    const m = await connectSocket(srv.url, people[0]!.client.cookie);
    expect(shapeOf(await raw(m, 'session:join', { sessionId }))).toBeNull();
    expect(shapeOf(await raw(m, 'session:control', { sessionId, action: 'start' }))).toBe('forbidden');
    const f = await connectSocket(srv.url, fac.client.cookie);
    expect(data(await call(f, 'session:join', { sessionId })).state.status).toBe('planned');
  });
});

describe('ack shape', () => {
  it('successes are exactly { data } with the declared shape; a missing ack callback is fine', async () => {
    const { fac, spaceId, general } = await spaceWith(srv.url);
    const s = await connectSocket(srv.url, fac.client.cookie);
    (s.emit as (e: string, p: unknown) => void)('space:join', { spaceId }); // no callback
    const join = await raw(s, 'space:join', { spaceId });
    expect(join).toEqual({ data: { online: [{ userId: fac.user.id, name: fac.user.name }] } });
    expect(await raw(s, 'typing', { channelId: general, typing: false })).toEqual({ data: {} });
    expect(await raw(s, 'space:leave', { spaceId })).toEqual({ data: {} });
    expect(shapeOf(await raw(s, 'session:join', { sessionId: 'nosuchsession' }))).toBe('not_found');
    expect(s.connected).toBe(true);
  });
});
