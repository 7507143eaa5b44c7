/** Who may hear what: strangers, removed members, handshake refusals; and the bad-input table with the rate limit. */
import { io as ioClient } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, cid, closeSockets, connectSocket, data, next, record, sleep, spaceWith, startChatServer, type ChatServer } from '../helpers/chat';
import { signupUser } from '../helpers/server';

let srv: ChatServer;
beforeAll(async () => {
  srv = await startChatServer();
});
afterAll(async () => {
  closeSockets();
  await srv?.close();
});
afterEach(() => closeSockets());

const errorCode = (ack: unknown) => (ack as { error?: { code: string } }).error?.code;

describe('handshake', () => {
  it('no cookie: connect_error authentication_required', async () => {
    await expect(connectSocket(srv.url, '')).rejects.toThrow('authentication_required');
    await expect(connectSocket(srv.url, 'collab_sid=forged')).rejects.toThrow('authentication_required');
  });

  it('a foreign Origin is refused even with a valid session', async () => {
    const { fac } = await spaceWith(srv.url);
    await expect(connectSocket(srv.url, fac.client.cookie, { origin: 'https://evil.example' })).rejects.toThrow();
    const ok = await connectSocket(srv.url, fac.client.cookie, { origin: srv.url });
    expect(ok.connected).toBe(true);
  });

  it('logout closes the user’s sockets', async () => {
    const { fac } = await spaceWith(srv.url);
    const s = await connectSocket(srv.url, fac.client.cookie);
    const closed = new Promise((r) => s.once('disconnect', r));
    await fac.client.post('/api/auth/logout');
    await closed;
  });
});

describe('isolation', () => {
  it('a stranger cannot join, read, send or act in a space and never receives its events', async () => {
    const { spaceId, general, fac } = await spaceWith(srv.url);
    const stranger = await signupUser(srv.url, 'Sam Stranger');
    const s = await connectSocket(srv.url, stranger.client.cookie);
    const a = await connectSocket(srv.url, fac.client.cookie);
    data(await call(a, 'space:join', { spaceId }));
    const heard: unknown[] = [];
    s.onAny((event, payload) => heard.push([event, payload]));
    expect(['not_found', 'forbidden']).toContain(errorCode(await call(s, 'space:join', { spaceId })));
    const msg = data(await call(a, 'message:send', { channelId: general, text: 'members only', clientMsgId: cid() })).message;
    expect(['not_found', 'forbidden']).toContain(errorCode(await call(s, 'message:send', { channelId: general, text: 'let me in', clientMsgId: cid() })));
    expect(['not_found', 'forbidden']).toContain(errorCode(await call(s, 'reaction:toggle', { messageId: msg.id, emoji: '👍' })));
    expect(['not_found', 'forbidden']).toContain(errorCode(await call(s, 'message:delete', { messageId: msg.id })));
    expect(['not_found', 'forbidden']).toContain(errorCode(await call(s, 'channel:read', { channelId: general, messageId: msg.id })));
    data(await call(s, 'typing', { channelId: general, typing: true }));
    data(await call(a, 'typing', { channelId: general, typing: true }));
    expect([403, 404]).toContain((await stranger.client.get(`/api/channels/${general}/messages`)).status);
    expect([403, 404]).toContain((await stranger.client.get(`/api/messages/${msg.id}/thread`)).status);
    expect([403, 404]).toContain((await stranger.client.get(`/api/spaces/${spaceId}/channels`)).status);
    await sleep(200);
    expect(heard).toEqual([]);
  });

  it('a removed member stops receiving at once and is told space:removed', async () => {
    const { spaceId, general, fac, people } = await spaceWith(srv.url, [{ name: 'Rita Removed' }]);
    const rita = people[0]!;
    const a = await connectSocket(srv.url, fac.client.cookie);
    const r = await connectSocket(srv.url, rita.client.cookie);
    data(await call(a, 'space:join', { spaceId }));
    data(await call(r, 'space:join', { spaceId }));
    const before = next(r, 'message:new');
    data(await call(a, 'message:send', { channelId: general, text: 'before removal', clientMsgId: cid() }));
    await before;
    const told = next(r, 'space:removed');
    const presenceWithout = next(a, 'presence', (p) => !p.online.some((u) => u.userId === rita.user.id));
    const heard = record(r, 'message:new');
    const del = await fac.client.delete(`/api/spaces/${spaceId}/members/${rita.user.id}`);
    expect(del.status).toBeLessThan(300);
    expect(await told).toEqual({ spaceId });
    // Immediately after the removal answered: nothing more reaches her.
    data(await call(a, 'message:send', { channelId: general, text: 'after removal', clientMsgId: cid() }));
    data(await call(a, 'typing', { channelId: general, typing: true }));
    await presenceWithout;
    await sleep(200);
    expect(heard).toEqual([]);
    expect(errorCode(await call(r, 'space:join', { spaceId }))).toBe('not_found');
    expect(errorCode(await call(r, 'message:send', { channelId: general, text: 'still here?', clientMsgId: cid() }))).toBe('not_found');
  });
});

describe('bad input', () => {
  it('answers invalid_payload to each malformed event, never crashes, stores nothing', async () => {
    const { spaceId, general, fac } = await spaceWith(srv.url);
    const s = await connectSocket(srv.url, fac.client.cookie);
    data(await call(s, 'space:join', { spaceId }));
    const ok = { channelId: general, text: 'fine', clientMsgId: cid() };
    const table: [string, string, unknown][] = [
      ['missing payload', 'message:send', undefined],
      ['payload is a string', 'message:send', 'hello'],
      ['payload is an array', 'message:send', [ok]],
      ['payload is null', 'message:send', null],
      ['missing text', 'message:send', { channelId: general, clientMsgId: cid() }],
      ['missing channelId', 'message:send', { text: 'x', clientMsgId: cid() }],
      ['missing clientMsgId', 'message:send', { channelId: general, text: 'x' }],
      ['text is a number', 'message:send', { ...ok, text: 42 }],
      ['text is an object', 'message:send', { ...ok, text: { $gt: '' } }],
      ['channelId is an operator', 'message:send', { ...ok, channelId: { $ne: null } }],
      ['empty text', 'message:send', { ...ok, text: '' }],
      ['blank text', 'message:send', { ...ok, text: '   \n  ' }],
      ['4,001 characters', 'message:send', { ...ok, text: 'a'.repeat(4001) }],
      ['control characters', 'message:send', { ...ok, text: 'bell \u0007' }],
      ['unknown field', 'message:send', { ...ok, admin: true }],
      ['__proto__ key', 'message:send', JSON.parse(`{"channelId":"${general}","text":"x","clientMsgId":"${cid()}","__proto__":{"isAdmin":true}}`)],
      ['constructor key', 'message:send', { ...ok, constructor: { prototype: {} } }],
      ['clientMsgId too short', 'message:send', { ...ok, clientMsgId: 'a' }],
      ['clientMsgId with slash', 'message:send', { ...ok, clientMsgId: '../../etc/passwd' }],
      ['parentId wrong type', 'message:send', { ...ok, parentId: 7 }],
      ['mentions not an array', 'message:send', { ...ok, mentions: 'everyone' }],
      ['join without spaceId', 'space:join', {}],
      ['join with a number', 'space:join', { spaceId: 1 }],
      ['edit with 4,001 characters', 'message:edit', { messageId: 'abc', text: 'b'.repeat(4001) }],
      ['typing not boolean', 'typing', { channelId: general, typing: 'yes' }],
      ['reaction not in the set', 'reaction:toggle', { messageId: 'abc', emoji: 'x'.repeat(50) }],
      ['read without messageId', 'channel:read', { channelId: general }],
      ['notification:read empty', 'notification:read', {}],
    ];
    for (const [label, event, payload] of table) {
      const ack = await call(s, event as 'message:send', payload);
      expect(errorCode(ack), label).toBe('invalid_payload');
      expect(typeof (ack as { error: { message: string } }).error.message, label).toBe('string');
    }
    expect(data(await call(s, 'message:send', { ...ok, text: 'c'.repeat(4000) })).message.text).toHaveLength(4000);
    expect(await srv.store.collection('messages').count({ channelId: general })).toBe(1);
    // No ack callback: tolerated, and the socket stays usable.
    const bare = s.emit as (e: string, p: unknown) => void;
    bare.call(s, 'message:send', { channelId: general, text: 'no ack', clientMsgId: cid() });
    bare.call(s, 'message:send', 'garbage');
    await sleep(100);
    expect(s.connected).toBe(true);
  });

  it('a payload over the size limit closes that connection only; the server keeps serving', async () => {
    const { spaceId, general, fac } = await spaceWith(srv.url);
    const s = await connectSocket(srv.url, fac.client.cookie);
    const closed = new Promise((r) => s.once('disconnect', r));
    s.emit('message:send', { channelId: general, text: 'x'.repeat(200_000), clientMsgId: cid() } as never, () => {});
    await closed;
    const again = await connectSocket(srv.url, fac.client.cookie);
    data(await call(again, 'space:join', { spaceId }));
    expect(await srv.store.collection('messages').count({ channelId: general })).toBe(0);
  });

  it('a flood past the send rate limit gets rate_limited with a retry hint, and nothing past it is stored', async () => {
    const { general, fac } = await spaceWith(srv.url);
    const s = await connectSocket(srv.url, fac.client.cookie);
    const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => call(s, 'message:send', { channelId: general, text: `flood ${i}`, clientMsgId: cid() })));
    const ok = acks.filter((a) => 'data' in a).length;
    const limited = acks.filter((a) => errorCode(a) === 'rate_limited');
    expect(ok).toBe(10);
    expect(limited).toHaveLength(20);
    const err = (limited[0] as { error: { message: string; details: { retryAfterSeconds: number } } }).error;
    expect(err.message).toMatch(/too quickly/);
    expect(err.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(await srv.store.collection('messages').count({ channelId: general })).toBe(10);
  });
});

describe('plain socket.io-client without helpers', () => {
  it('the stock client with a cookie header connects to /socket.io on the app port', async () => {
    const { fac, spaceId } = await spaceWith(srv.url);
    const socket = ioClient(srv.url, { transports: ['websocket'], extraHeaders: { cookie: fac.client.cookie }, reconnection: false, forceNew: true });
    const res = await new Promise<unknown>((resolve) => socket.on('connect', () => socket.emit('space:join', { spaceId }, resolve)));
    expect(res).toEqual({ data: { online: [{ userId: fac.user.id, name: fac.user.name }] } });
    socket.close();
  });
});
