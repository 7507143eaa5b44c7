/**
 * Every client event of the Socket.IO API against hostile payloads (wrong types, operators where ids
 * belong, prototype keys, deep nesting, long strings, no ack), sent by a member on a live session and a
 * joined space: each answers a contract error code (never `internal`), the socket stays connected, nothing
 * is stored, and the server keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents } from '../../shared/events';
import { call, cid, closeSockets, connectSocket, data, sleep, spaceWith } from '../helpers/chat';
import { startServer, type TestServer } from '../helpers/server';

/** Listed here so that a new client event fails the typecheck until it is fuzzed too. */
const EVENTS = {
  'space:join': true,
  'space:leave': true,
  'message:send': true,
  'message:edit': true,
  'message:delete': true,
  'reaction:toggle': true,
  typing: true,
  'channel:read': true,
  'notification:read': true,
  'session:join': true,
  'session:leave': true,
  'session:control': true,
  'hand:raise': true,
  'hand:lower': true,
  'vote:open': true,
  'vote:cast': true,
  'vote:close': true,
  'doc:watch': true,
  'doc:unwatch': true,
} satisfies Record<keyof ClientToServerEvents, true>;

const CONTRACT_CODES = ['invalid_payload', 'authentication_required', 'forbidden', 'not_found', 'conflict', 'payload_too_large', 'rate_limited'];

function deep(levels: number): unknown {
  let o: unknown = 'x';
  for (let i = 0; i < levels; i++) o = { a: o };
  return o;
}

/** Hostile payloads; `ids` are real ids of this space so type confusion is tried on live objects too. */
function payloads(ids: Record<string, string>): [string, unknown][] {
  const fields = ['spaceId', 'channelId', 'messageId', 'sessionId', 'voteId', 'userId', 'text', 'action', 'value', 'minutes', 'stepIndex', 'version', 'emoji', 'ids', 'all', 'typing', 'question', 'parentId', 'clientMsgId', 'mentions', 'reason', 'docId'];
  const out: [string, unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['true', true],
    ['a number', 42],
    ['NaN-ish string', 'NaN'],
    ['a string', 'hello'],
    ['an empty array', []],
    ['an array of the real payload', [ids]],
    ['an empty object', {}],
    ['__proto__ key', JSON.parse(`{"__proto__":{"polluted":true},"sessionId":"${ids.sessionId}"}`)],
    ['constructor key', { constructor: { prototype: { polluted: true } }, spaceId: ids.spaceId }],
    ['deep nesting', deep(200)],
    ['every field an operator', Object.fromEntries(fields.map((f) => [f, { $ne: null }]))],
    ['every field an array', Object.fromEntries(fields.map((f) => [f, [ids[f] ?? 'x']]))],
    ['every field a huge number', Object.fromEntries(fields.map((f) => [f, 1e308]))],
    ['every field a negative number', Object.fromEntries(fields.map((f) => [f, -1]))],
    ['every field a long string', Object.fromEntries(fields.map((f) => [f, 'y'.repeat(2_000)]))],
    ['real ids, odd extras', { ...ids, admin: true, $where: '1' }],
  ];
  for (const f of fields) out.push([`${f} is an object`, { ...ids, [f]: { toString: 'x' } }]);
  return out;
}

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  closeSockets();
  await srv?.close();
});

describe('hostile payloads on every client event', () => {
  it('each answers a contract error, never internal; the socket and the server carry on; nothing is stored', async () => {
    const events = Object.keys(EVENTS) as (keyof ClientToServerEvents)[];
    // One member per event, so the per-user rate limits (which come before validation for most chat
    // events) do not hide what the validation answers.
    const { spaceId, general, fac, people } = await spaceWith(srv.url, events.map((e) => ({ name: `Fuzz ${e}` })));
    const created = await fac.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'Fuzz', steps: [{ title: 'One', minutes: 5 }], notesDocId: null });
    const sessionId = created.body.session.id as string;
    const fs = await connectSocket(srv.url, fac.client.cookie);
    data(await call(fs, 'space:join', { spaceId }));
    data(await call(fs, 'session:join', { sessionId }));
    data(await call(fs, 'session:control', { sessionId, action: 'start' }));
    const { vote } = data(await call(fs, 'vote:open', { sessionId }));
    const { message } = data(await call(fs, 'message:send', { channelId: general, text: 'The one real message', clientMsgId: cid() }));
    const ids = { spaceId, channelId: general, messageId: message.id, sessionId, voteId: vote.id, userId: fac.user.id };
    const count = async () => [
      await srv.store.collection('messages').count({}),
      await srv.store.collection('sessionDecisions').count({}),
      await srv.store.collection('actionItems').count({}),
      await srv.store.collection('channels').count({}),
    ];
    const before = await count();

    for (const [i, event] of events.entries()) {
      const s = await connectSocket(srv.url, people[i]!.client.cookie);
      data(await call(s, 'space:join', { spaceId }));
      data(await call(s, 'session:join', { sessionId }));
      const codes: string[] = [];
      for (const [label, payload] of payloads(ids)) {
        const ack = (await call(s, event, payload)) as { data?: unknown; error?: { code: string; message: string } };
        if (!ack.error) continue;
        expect(CONTRACT_CODES, `${event} / ${label}: ${ack.error.code} ${ack.error.message}`).toContain(ack.error.code);
        expect(typeof ack.error.message).toBe('string');
        codes.push(ack.error.code);
      }
      expect(codes.filter((c) => c === 'invalid_payload').length, event).toBeGreaterThanOrEqual(20);
      // The same without an ack callback, and unknown or prototype-named events: ignored.
      for (const [, payload] of payloads(ids)) (s.emit as (e: string, p: unknown) => void)(event, payload);
      for (const name of ['nope', '__proto__', 'constructor', 'hasOwnProperty', 'toString']) (s.emit as (e: string, p: unknown) => void)(name, ids);
      await sleep(50);
      expect(s.connected, event).toBe(true);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // Nothing stored from any of it; the server still works for everyone.
    expect(await count()).toEqual(before);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    const last = await connectSocket(srv.url, people[0]!.client.cookie);
    data(await call(last, 'space:join', { spaceId }));
    expect(data(await call(last, 'message:send', { channelId: general, text: 'Still here', clientMsgId: cid() })).message.text).toBe('Still here');
    data(await call(last, 'session:join', { sessionId }));
    const { state } = data(await call(last, 'hand:raise', { sessionId }));
    expect(state.hands.map((h) => h.userId)).toEqual([people[0]!.user.id]);
  });
});
