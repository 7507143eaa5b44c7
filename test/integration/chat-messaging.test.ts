/** Discussion over stock socket.io-client: join, send, receive, stored acks, idempotency, history, threads, rights, presence. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, cid, closeSockets, connectSocket, data, next, record, sleep, spaceWith, startChatServer, type ChatServer } from '../helpers/chat';
import { waitFor } from '../helpers/wait';

let srv: ChatServer;
let clock = Date.now();
beforeAll(async () => {
  // A movable clock lets the paging test send past the send rate limit without waiting.
  srv = await startChatServer({ now: () => clock });
});
afterAll(async () => {
  closeSockets();
  await srv?.close();
});
afterEach(() => closeSockets());

describe('join, send, receive', () => {
  it('a member joins, sends, and every other member of the space receives message:new with the contract shape', async () => {
    const { spaceId, general, fac, people } = await spaceWith(srv.url, [{ name: 'Ben Member' }]);
    const a = await connectSocket(srv.url, fac.client.cookie);
    const b = await connectSocket(srv.url, people[0]!.client.cookie);
    expect(data(await call(a, 'space:join', { spaceId }))).toEqual({ online: [expect.objectContaining({ userId: fac.user.id })] });
    data(await call(b, 'space:join', { spaceId }));
    const incoming = next(b, 'message:new');
    const clientMsgId = cid();
    const ack = data(await call(a, 'message:send', { channelId: general, text: '  Hello **team**  ', clientMsgId }));
    expect(ack.message).toMatchObject({
      id: expect.any(String),
      channelId: general,
      spaceId,
      author: { id: fac.user.id, name: fac.user.name },
      text: 'Hello **team**',
      parentId: null,
      clientMsgId,
      createdAt: expect.any(String),
      deleted: false,
      replyCount: 0,
    });
    const got = await incoming;
    expect(got.message).toEqual(ack.message);
  });

  it('space:leave stops delivery to that socket', async () => {
    const { spaceId, general, fac, people } = await spaceWith(srv.url, [{ name: 'Lea Leaver' }]);
    const a = await connectSocket(srv.url, fac.client.cookie);
    const b = await connectSocket(srv.url, people[0]!.client.cookie);
    data(await call(a, 'space:join', { spaceId }));
    data(await call(b, 'space:join', { spaceId }));
    expect(data(await call(b, 'space:leave', { spaceId }))).toEqual({});
    const got = record(b, 'message:new');
    data(await call(a, 'message:send', { channelId: general, text: 'after leave', clientMsgId: cid() }));
    await sleep(150);
    expect(got).toEqual([]);
  });
});

describe('delivery guarantees', () => {
  it('the ack comes only after the store write: a server restarted right after the ack has the message', async () => {
    const dataDir = (await import('../helpers/server')).tempDir('chat-restart-');
    let s = await startChatServer({ dataDir });
    const { spaceId, general, fac } = await spaceWith(s.url);
    const sock = await connectSocket(s.url, fac.client.cookie);
    data(await call(sock, 'space:join', { spaceId }));
    const ack = data(await call(sock, 'message:send', { channelId: general, text: 'survives a restart', clientMsgId: cid() }));
    sock.close();
    await s.close({ keepData: true });
    s = await startChatServer({ dataDir });
    try {
      fac.client = new (await import('../helpers/server')).ApiClient(s.url);
      const login = await fac.client.post('/api/auth/login', { email: fac.user.email, password: fac.password });
      expect(login.status).toBe(200);
      const hist = await fac.client.get(`/api/channels/${general}/messages`);
      expect(hist.status).toBe(200);
      expect(hist.body.messages.map((m: { id: string }) => m.id)).toContain(ack.message.id);
    } finally {
      await s.close();
    }
  });

  it('the same clientMsgId again returns the same message, stored once and broadcast once', async () => {
    const { spaceId, general, fac, people } = await spaceWith(srv.url, [{ name: 'Dee Dupe' }]);
    const a = await connectSocket(srv.url, fac.client.cookie);
    const b = await connectSocket(srv.url, people[0]!.client.cookie);
    data(await call(a, 'space:join', { spaceId }));
    data(await call(b, 'space:join', { spaceId }));
    const seen = record(b, 'message:new');
    const clientMsgId = cid();
    const payload = { channelId: general, text: 'once only', clientMsgId };
    // Concurrent retries (as after a lost ack) and a later one.
    const acks = await Promise.all([call(a, 'message:send', payload), call(a, 'message:send', payload), call(a, 'message:send', payload)]);
    const again = data(await call(a, 'message:send', payload));
    const ids = new Set([...acks.map((x) => data(x).message.id), again.message.id]);
    expect(ids.size).toBe(1);
    expect(await srv.store.collection('messages').count({ clientMsgId })).toBe(1);
    // The broadcast reaches b on its own connection, possibly after a's acks: wait for it, then give a
    // duplicate the time to show up.
    await waitFor(() => seen.some((m) => m.message.clientMsgId === clientMsgId), 'the broadcast');
    await sleep(150);
    expect(seen.filter((m) => m.message.clientMsgId === clientMsgId)).toHaveLength(1);
    // Another author may use the same clientMsgId: ids are unique per user.
    const b2 = data(await call(b, 'message:send', payload));
    expect(b2.message.id).not.toBe(again.message.id);
  });
});

describe('history', () => {
  it('pages back with before/limit/hasMore, oldest first, and catches up with after', async () => {
    const { spaceId, general, fac } = await spaceWith(srv.url);
    const a = await connectSocket(srv.url, fac.client.cookie);
    data(await call(a, 'space:join', { spaceId }));
    const sent: string[] = [];
    for (let i = 0; i < 25; i++) {
      clock += 1_000; // one token per second refills the send bucket
      sent.push(data(await call(a, 'message:send', { channelId: general, text: `message ${i}`, clientMsgId: cid() })).message.id);
    }
    const p1 = await fac.client.get(`/api/channels/${general}/messages?limit=10`);
    expect(p1.status).toBe(200);
    expect(p1.body.hasMore).toBe(true);
    expect(p1.body.messages.map((m: { id: string }) => m.id)).toEqual(sent.slice(15));
    const p2 = await fac.client.get(`/api/channels/${general}/messages?limit=10&before=${p1.body.messages[0].id}`);
    expect(p2.body.messages.map((m: { id: string }) => m.id)).toEqual(sent.slice(5, 15));
    expect(p2.body.hasMore).toBe(true);
    const p3 = await fac.client.get(`/api/channels/${general}/messages?limit=10&before=${p2.body.messages[0].id}`);
    expect(p3.body.messages.map((m: { id: string }) => m.id)).toEqual(sent.slice(0, 5));
    expect(p3.body.hasMore).toBe(false);
    const caught = await fac.client.get(`/api/channels/${general}/messages?after=${sent[19]}`);
    expect(caught.body.messages.map((m: { id: string }) => m.id)).toEqual(sent.slice(20));
    expect(caught.body.hasMore).toBe(false);
    for (const bad of ['limit=0', 'limit=101', 'limit=abc', 'before=../x', 'before=a&after=b', 'foo=1']) {
      const r = await fac.client.get(`/api/channels/${general}/messages?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.error.code).toBe('invalid_payload');
    }
  });
});

describe('threads', () => {
  it('replies carry parentId, stay out of the channel page, raise replyCount, and notify the parent author', async () => {
    clock += 20_000;
    const { spaceId, general, fac, people } = await spaceWith(srv.url, [{ name: 'Tom Thread' }]);
    const a = await connectSocket(srv.url, fac.client.cookie);
    const b = await connectSocket(srv.url, people[0]!.client.cookie);
    data(await call(a, 'space:join', { spaceId }));
    data(await call(b, 'space:join', { spaceId }));
    const top = data(await call(a, 'message:send', { channelId: general, text: 'Agenda for Thursday?', clientMsgId: cid() })).message;
    const notified = next(a, 'notification:new');
    const updated = next(a, 'message:updated', (p) => p.message.id === top.id);
    const reply = data(await call(b, 'message:send', { channelId: general, text: 'Fractions unit', clientMsgId: cid(), parentId: top.id })).message;
    expect(reply.parentId).toBe(top.id);
    expect((await updated).message.replyCount).toBe(1);
    const n = await notified;
    expect(n.notification).toMatchObject({ kind: 'reply', messageId: reply.id, parentId: top.id, actor: { id: people[0]!.user.id } });
    const page = await fac.client.get(`/api/channels/${general}/messages`);
    expect(page.body.messages.map((m: { id: string }) => m.id)).toEqual([top.id]);
    expect(page.body.messages[0].replyCount).toBe(1);
    const th = await fac.client.get(`/api/messages/${top.id}/thread`);
    expect(th.body.parent.id).toBe(top.id);
    expect(th.body.replies.map((m: { id: string }) => m.id)).toEqual([reply.id]);
    const viaQuery = await fac.client.get(`/api/channels/${general}/messages?parentId=${top.id}`);
    expect(viaQuery.body.messages.map((m: { id: string }) => m.id)).toEqual([reply.id]);
    // A reply to a reply is refused; threads are one level deep.
    const nested = await call(b, 'message:send', { channelId: general, text: 'deeper', clientMsgId: cid(), parentId: reply.id });
    expect('error' in nested && nested.error.code).toBe('invalid_payload');
  });
});

describe('edit, delete, reactions', () => {
  it('authors edit and delete their own; others cannot; facilitators remove any and that is logged', async () => {
    clock += 20_000;
    const { spaceId, general, fac, people } = await spaceWith(srv.url, [{ name: 'Eve Editor' }, { name: 'Max Member' }]);
    const [eve, max] = people as [typeof people[0] & {}, typeof people[0] & {}];
    const se = await connectSocket(srv.url, eve.client.cookie);
    const sm = await connectSocket(srv.url, max.client.cookie);
    const sf = await connectSocket(srv.url, fac.client.cookie);
    for (const s of [se, sm, sf]) data(await call(s, 'space:join', { spaceId }));
    const msg = data(await call(se, 'message:send', { channelId: general, text: 'first draft', clientMsgId: cid() })).message;

    const edited = next(sm, 'message:updated', (p) => p.message.id === msg.id);
    const e1 = data(await call(se, 'message:edit', { messageId: msg.id, text: 'second draft' })).message;
    expect(e1.text).toBe('second draft');
    expect(e1.editedAt).not.toBeNull();
    expect((await edited).message.text).toBe('second draft');

    const notMine = await call(sm, 'message:edit', { messageId: msg.id, text: 'hijack' });
    expect('error' in notMine && notMine.error.code).toBe('forbidden');
    const facEdit = await call(sf, 'message:edit', { messageId: msg.id, text: 'hijack' });
    expect('error' in facEdit && facEdit.error.code).toBe('forbidden');
    const notMineDel = await call(sm, 'message:delete', { messageId: msg.id });
    expect('error' in notMineDel && notMineDel.error.code).toBe('forbidden');

    // Reactions toggle on and off and are broadcast.
    const reacted = next(se, 'reaction:updated', (p) => p.messageId === msg.id);
    expect(data(await call(sm, 'reaction:toggle', { messageId: msg.id, emoji: '👍' })).reactions).toEqual([{ emoji: '👍', count: 1, userIds: [max.user.id] }]);
    expect((await reacted).reactions[0]!.count).toBe(1);
    expect(data(await call(sm, 'reaction:toggle', { messageId: msg.id, emoji: '👍' })).reactions).toEqual([]);
    const badEmoji = await call(sm, 'reaction:toggle', { messageId: msg.id, emoji: '<script>' });
    expect('error' in badEmoji && badEmoji.error.code).toBe('invalid_payload');

    // Own delete: not logged.
    const own = data(await call(sm, 'message:send', { channelId: general, text: 'oops', clientMsgId: cid() })).message;
    expect(data(await call(sm, 'message:delete', { messageId: own.id }))).toEqual({ messageId: own.id });

    // Facilitator moderation: broadcast, logged with the removed text, history shows "deleted" with no text.
    const deleted = next(se, 'message:deleted', (p) => p.messageId === msg.id);
    data(await call(sf, 'message:delete', { messageId: msg.id, reason: 'off topic' }));
    expect(await deleted).toEqual({ messageId: msg.id, channelId: general, spaceId, parentId: null });
    const log = await fac.client.get(`/api/spaces/${spaceId}/moderation`);
    expect(log.status).toBe(200);
    expect(log.body.entries).toHaveLength(1);
    expect(log.body.entries[0]).toMatchObject({ messageId: msg.id, channelName: 'general', action: 'message.delete', actor: { id: fac.user.id }, author: { id: eve.user.id }, text: 'second draft', reason: 'off topic' });
    expect((await eve.client.get(`/api/spaces/${spaceId}/moderation`)).status).toBe(403);
    const hist = await eve.client.get(`/api/channels/${general}/messages`);
    const gone = hist.body.messages.find((m: { id: string }) => m.id === msg.id);
    expect(gone).toMatchObject({ deleted: true, text: '' });
    const editDeleted = await call(se, 'message:edit', { messageId: msg.id, text: 'back' });
    expect('error' in editDeleted && editDeleted.error.code).toBe('not_found');
  });
});

describe('presence and typing', () => {
  it('presence lists a user once however many tabs, and drops them when the last tab goes', async () => {
    const { spaceId, fac, people } = await spaceWith(srv.url, [{ name: 'Pat Present' }]);
    const watcher = await connectSocket(srv.url, fac.client.cookie);
    data(await call(watcher, 'space:join', { spaceId }));
    const pat = people[0]!;
    const appeared = next(watcher, 'presence', (p) => p.online.some((u) => u.userId === pat.user.id));
    const t1 = await connectSocket(srv.url, pat.client.cookie);
    const t2 = await connectSocket(srv.url, pat.client.cookie);
    data(await call(t1, 'space:join', { spaceId }));
    const joined = data(await call(t2, 'space:join', { spaceId }));
    expect(joined.online.filter((u) => u.userId === pat.user.id)).toHaveLength(1);
    const p = await appeared;
    expect(p.spaceId).toBe(spaceId);
    expect(p.online.filter((u) => u.userId === pat.user.id)).toEqual([{ userId: pat.user.id, name: pat.user.name }]);
    t1.close();
    await sleep(300);
    const disappeared = next(watcher, 'presence', (q) => !q.online.some((u) => u.userId === pat.user.id));
    t2.close();
    const gone = await disappeared;
    expect(gone.online.map((u) => u.userId)).toEqual([fac.user.id]);
  });

  it('typing reaches the others, not the typist, and repeated starts are throttled', async () => {
    const { spaceId, general, fac, people } = await spaceWith(srv.url, [{ name: 'Ty Typist' }]);
    const a = await connectSocket(srv.url, fac.client.cookie);
    const b = await connectSocket(srv.url, people[0]!.client.cookie);
    data(await call(a, 'space:join', { spaceId }));
    data(await call(b, 'space:join', { spaceId }));
    const atA = record(a, 'typing');
    const atB = record(b, 'typing');
    for (let i = 0; i < 5; i++) data(await call(b, 'typing', { channelId: general, typing: true }));
    data(await call(b, 'typing', { channelId: general, typing: false }));
    // The relays reach a after b's acks: wait for the stop, then give a stray one the time to show up.
    await waitFor(() => atA.some((t) => !t.typing), 'the typing stop at a');
    await sleep(150);
    expect(atB).toEqual([]);
    expect(atA.map((t) => t.typing)).toEqual([true, false]);
    expect(atA[0]).toEqual({ spaceId, channelId: general, user: { id: people[0]!.user.id, name: people[0]!.user.name }, typing: true });
  });
});
