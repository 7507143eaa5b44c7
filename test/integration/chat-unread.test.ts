/** Channels, unread counts and read markers, mentions and notifications (also across spaces), search. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../server/ids';
import { call, cid, closeSockets, connectSocket, data, next, spaceWith, startChatServer, type ChatServer } from '../helpers/chat';

let srv: ChatServer;
let clock = Date.now();
beforeAll(async () => {
  srv = await startChatServer({ now: () => clock });
});
afterAll(async () => {
  closeSockets();
  await srv?.close();
});
afterEach(() => closeSockets());

describe('channels', () => {
  it('every space has general; facilitators create (slug, unique per space), rename and archive; members cannot', async () => {
    const { spaceId, fac, people } = await spaceWith(srv.url, [{ name: 'Mia Member' }]);
    const list = await fac.client.get(`/api/spaces/${spaceId}/channels`);
    expect(list.status).toBe(200);
    expect(list.body.channels).toEqual([expect.objectContaining({ id: expect.any(String), name: 'general', archived: false, unread: 0, mentions: 0 })]);
    const sock = await connectSocket(srv.url, people[0]!.client.cookie);
    data(await call(sock, 'space:join', { spaceId }));
    const announced = next(sock, 'channel:updated');
    const created = await fac.client.post(`/api/spaces/${spaceId}/channels`, { name: 'Grade-7-Math' });
    expect(created.status).toBe(201);
    expect(created.body.channel).toMatchObject({ name: 'grade-7-math', archived: false, spaceId });
    expect((await announced).channel.name).toBe('grade-7-math');
    const dup = await fac.client.post(`/api/spaces/${spaceId}/channels`, { name: 'grade-7-math' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details.fields).toEqual([{ field: 'name', message: 'name already taken' }]);
    expect((await fac.client.post(`/api/spaces/${spaceId}/channels`, { name: 'grade 7 math!' })).status).toBe(400);
    expect((await people[0]!.client.post(`/api/spaces/${spaceId}/channels`, { name: 'mine' })).status).toBe(403);
    const id = created.body.channel.id;
    const renamed = await fac.client.patch(`/api/channels/${id}`, { name: 'budget-2027' });
    expect(renamed.body.channel.name).toBe('budget-2027');
    const { message: before } = data(await call(sock, 'message:send', { channelId: id, text: 'Before the archive', clientMsgId: cid() }));
    const archived = await fac.client.patch(`/api/channels/${id}`, { archived: true });
    expect(archived.body.channel.archived).toBe(true);
    const refused = await call(sock, 'message:send', { channelId: id, text: 'hello?', clientMsgId: cid() });
    expect('error' in refused && refused.error.code).toBe('forbidden');
    // An archived channel is read-only: no reactions either.
    const react = await call(sock, 'reaction:toggle', { messageId: before.id, emoji: '👍' });
    expect('error' in react && react.error).toMatchObject({ code: 'forbidden', message: 'This channel is archived.' });
    expect((await fac.client.get(`/api/channels/${id}/messages`)).body.messages[0].reactions).toEqual([]);
    const general = list.body.channels[0].id;
    expect((await fac.client.patch(`/api/channels/${general}`, { archived: true })).status).toBe(409);
    expect((await people[0]!.client.patch(`/api/channels/${general}`, { name: 'x' })).status).toBe(403);
  });
});

describe('unread counts and read markers', () => {
  it('counts others’ top-level messages after the marker; channel:read moves it forward only', async () => {
    const { spaceId, general, fac, people } = await spaceWith(srv.url, [{ name: 'Ulla Unread' }]);
    const ulla = people[0]!;
    const a = await connectSocket(srv.url, fac.client.cookie);
    const u = await connectSocket(srv.url, ulla.client.cookie);
    data(await call(a, 'space:join', { spaceId }));
    data(await call(u, 'space:join', { spaceId }));
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      clock += 1_000;
      ids.push(data(await call(a, 'message:send', { channelId: general, text: `news ${i}`, clientMsgId: cid() })).message.id);
    }
    // Ulla's own message and a thread reply do not count as unread for her.
    data(await call(u, 'message:send', { channelId: general, text: 'mine', clientMsgId: cid() }));
    data(await call(a, 'message:send', { channelId: general, text: 'a reply', clientMsgId: cid(), parentId: ids[0] }));
    const unreadOf = async () => (await ulla.client.get(`/api/spaces/${spaceId}/channels`)).body.channels[0];
    expect((await unreadOf()).unread).toBe(4);
    const other = next(u, 'unread:updated');
    expect(data(await call(u, 'channel:read', { channelId: general, messageId: ids[1]! }))).toEqual({ channelId: general, unread: 2, mentions: 0 });
    expect(await other).toEqual({ spaceId, channelId: general, unread: 2, mentions: 0 });
    expect((await unreadOf()).unread).toBe(2);
    // Backwards is ignored.
    expect(data(await call(u, 'channel:read', { channelId: general, messageId: ids[0]! })).unread).toBe(2);
    const viaHttp = await ulla.client.post(`/api/channels/${general}/read`, { messageId: ids[3] });
    expect(viaHttp.body).toEqual({ channelId: general, unread: 0, mentions: 0 });
    // A message of another channel is not a marker here.
    const wrong = await call(u, 'channel:read', { channelId: general, messageId: newId() });
    expect('error' in wrong && wrong.error.code).toBe('not_found');
  });
});

describe('read markers follow the channel sequence, not message ids', () => {
  it('a message stored after the one read counts as unread even when its id sorts before it (another writer)', async () => {
    const { spaceId, general, fac, people } = await spaceWith(srv.url, [{ name: 'Sam Sequence' }]);
    const sam = people[0]!;
    const a = await connectSocket(srv.url, fac.client.cookie);
    data(await call(a, 'space:join', { spaceId }));
    const read = data(await call(a, 'message:send', { channelId: general, text: 'first', clientMsgId: cid() })).message;
    const messages = srv.store.collection<{ _id: string; seq: number }>('messages');
    const stored = (await messages.findOne({ _id: read.id }))!;
    // Another process made its message's id a moment earlier, but stored it after: next in the sequence,
    // with an id that sorts before the one Sam reads now.
    // (Message ids start with 9 base36 digits of their creation time in ms: one ms earlier.)
    const earlierId = (parseInt(read.id.slice(0, 9), 36) - 1).toString(36).padStart(9, '0') + read.id.slice(9);
    const late = { ...stored, _id: earlierId, seq: stored.seq + 1, text: 'stored later', clientMsgId: cid() };
    expect(late._id < read.id).toBe(true);
    const u = await connectSocket(srv.url, sam.client.cookie);
    data(await call(u, 'space:join', { spaceId }));
    expect(data(await call(u, 'channel:read', { channelId: general, messageId: read.id }))).toMatchObject({ unread: 0 });
    await messages.insertOne(late);
    // It mentioned Sam (as the sending process would have recorded it).
    await srv.store.collection<{ _id: string } & Record<string, unknown>>('notifications').insertOne({
      _id: `n-${late._id}`, userId: sam.user.id, kind: 'mention', spaceId, channelId: general, messageId: late._id, messageSeq: late.seq,
      parentId: null, actorId: fac.user.id, actorName: 'Facilitator', excerpt: 'stored later', createdAt: new Date(clock), readAt: null,
    });
    const samUnread = async () => (await sam.client.get('/api/notifications')).body.unread;
    expect(await samUnread()).toBe(1);
    // Reading the first message again (marker unchanged) does not mark the later one's notification read.
    data(await call(u, 'channel:read', { channelId: general, messageId: read.id }));
    expect(await samUnread()).toBe(1);
    const channel = (await sam.client.get(`/api/spaces/${spaceId}/channels`)).body.channels[0];
    expect(channel.unread).toBe(1);
    const badge = (await sam.client.get('/api/unread')).body.spaces.find((x: { spaceId: string }) => x.spaceId === spaceId);
    expect(badge.unread).toBe(1);
    // Reading it moves the marker forward although its id is smaller; the first message does not move it back.
    expect(data(await call(u, 'channel:read', { channelId: general, messageId: late._id })).unread).toBe(0);
    expect(await samUnread()).toBe(0);
    expect(data(await call(u, 'channel:read', { channelId: general, messageId: read.id })).unread).toBe(0);
  });
});

describe('mentions and notifications', () => {
  it('@Name notifies the member and raises their mention count, also seen from another space', async () => {
    clock += 30_000;
    const { spaceId, general, fac, people } = await spaceWith(srv.url, [{ name: 'Nora Notified' }, { name: 'Nor' }]);
    const [nora, nor] = people as [NonNullable<(typeof people)[0]>, NonNullable<(typeof people)[0]>];
    // Nora is looking at another space of hers; her socket is not in this space's room.
    const elsewhere = await spaceWith(srv.url, [], 'Other Facilitator');
    const inv = await elsewhere.fac.client.post(`/api/spaces/${elsewhere.spaceId}/invites`, { role: 'member' });
    await nora.client.post(`/api/invites/${inv.body.invite.code}/accept`);
    const ns = await connectSocket(srv.url, nora.client.cookie);
    data(await call(ns, 'space:join', { spaceId: elsewhere.spaceId }));
    const a = await connectSocket(srv.url, fac.client.cookie);
    data(await call(a, 'space:join', { spaceId }));

    const bell = next(ns, 'notification:new');
    const msg = data(await call(a, 'message:send', { channelId: general, text: 'Can @nora notified review the unit? (not @Norbert)', clientMsgId: cid() })).message;
    expect(msg.mentions).toEqual([nora.user.id]);
    const n = await bell;
    expect(n.unread).toBe(1);
    expect(n.notification).toMatchObject({ kind: 'mention', spaceId, channelId: general, channelName: 'general', messageId: msg.id, actor: { id: fac.user.id }, read: false });
    expect(n.notification.excerpt).toContain('review the unit');

    const unread = await nora.client.get('/api/unread');
    expect(unread.status).toBe(200);
    expect(unread.body.spaces).toEqual(
      expect.arrayContaining([
        { spaceId, spaceName: expect.any(String), unread: 1, mentions: 1 },
        { spaceId: elsewhere.spaceId, spaceName: expect.any(String), unread: 0, mentions: 0 },
      ]),
    );
    const channels = await nora.client.get(`/api/spaces/${spaceId}/channels`);
    expect(channels.body.channels[0]).toMatchObject({ unread: 1, mentions: 1 });
    // "Nor" was not mentioned by "@nora notified" nor "@Norbert".
    expect((await nor.client.get('/api/notifications')).body.unread).toBe(0);

    // A mention picker's ids are honoured (members only).
    clock += 1_000;
    const picked = data(await call(a, 'message:send', { channelId: general, text: 'see above', clientMsgId: cid(), mentions: [nor.user.id, newId()] })).message;
    expect(picked.mentions).toEqual([nor.user.id]);

    const list = await nora.client.get('/api/notifications');
    expect(list.body.notifications).toHaveLength(1);
    const read = next(ns, 'notification:read');
    const marked = await nora.client.post('/api/notifications/read', { ids: [list.body.notifications[0].id] });
    expect(marked.body).toEqual({ unread: 0 });
    expect(await read).toEqual({ unread: 0 });
    expect((await nora.client.get('/api/notifications')).body.notifications[0].read).toBe(true);
    expect(data(await call(ns, 'notification:read', { all: true }))).toEqual({ unread: 0 });
    expect((await nora.client.post('/api/notifications/read', {})).status).toBe(400);

    // Nor has one unread mention; removed from the space, it leaves both the list and the badge.
    const norBell = await nor.client.get('/api/notifications');
    expect(norBell.body.notifications.map((x: { spaceId: string }) => x.spaceId)).toEqual([spaceId]);
    expect(norBell.body.unread).toBe(1);
    expect((await fac.client.delete(`/api/spaces/${spaceId}/members/${nor.user.id}`)).status).toBe(204);
    const after = await nor.client.get('/api/notifications');
    expect(after.body).toMatchObject({ notifications: [], unread: 0 });
  });
});

describe('notifications about removed messages', () => {
  it('a message deleted by its author or removed by a facilitator takes its notifications with it, live', async () => {
    clock += 30_000;
    const { spaceId, general, fac, people } = await spaceWith(srv.url, [{ name: 'Wendy Withdrawn' }, { name: 'Sam Sender' }]);
    const [wendy, sam] = people as [NonNullable<(typeof people)[0]>, NonNullable<(typeof people)[0]>];
    const ws = await connectSocket(srv.url, wendy.client.cookie);
    const ss = await connectSocket(srv.url, sam.client.cookie);
    const fs = await connectSocket(srv.url, fac.client.cookie);
    for (const s of [ws, ss, fs]) data(await call(s, 'space:join', { spaceId }));

    const kept = data(await call(fs, 'message:send', { channelId: general, text: 'Thanks @Wendy Withdrawn for the agenda', clientMsgId: cid() })).message;
    clock += 1_000;
    const regretted = data(await call(ss, 'message:send', { channelId: general, text: '@Wendy Withdrawn this is unkind', clientMsgId: cid() })).message;
    clock += 1_000;
    const harmful = data(await call(ss, 'message:send', { channelId: general, text: '@Wendy Withdrawn something harmful', clientMsgId: cid() })).message;
    await expect.poll(async () => (await wendy.client.get('/api/notifications')).body.unread).toBe(3);
    const list = (await wendy.client.get('/api/notifications')).body.notifications as { id: string; messageId: string }[];
    const idOf = (messageId: string) => list.find((n) => n.messageId === messageId)!.id;

    // The author deletes theirs: Wendy's open bell hears which notification went, and the new count.
    let removed = next(ws, 'notification:removed');
    data(await call(ss, 'message:delete', { messageId: regretted.id }));
    expect(await removed).toEqual({ ids: [idOf(regretted.id)], unread: 2 });
    // A facilitator removes one: the same, and the excerpt is gone from the bell.
    removed = next(ws, 'notification:removed');
    data(await call(fs, 'message:delete', { messageId: harmful.id, reason: 'not kind' }));
    expect(await removed).toEqual({ ids: [idOf(harmful.id)], unread: 1 });
    const after = (await wendy.client.get('/api/notifications')).body;
    expect(after.unread).toBe(1);
    expect(after.notifications.map((n: { messageId: string }) => n.messageId)).toEqual([kept.id]);
    expect(JSON.stringify(after)).not.toContain('harmful');
    expect(JSON.stringify(after)).not.toContain('unkind');
  });
});

describe('search', () => {
  it('finds messages containing every word, and document titles, in one space only', async () => {
    clock += 30_000;
    const { spaceId, general, fac } = await spaceWith(srv.url);
    const other = await spaceWith(srv.url);
    const a = await connectSocket(srv.url, fac.client.cookie);
    const o = await connectSocket(srv.url, other.fac.client.cookie);
    const hit = data(await call(a, 'message:send', { channelId: general, text: 'Fractions assessment draft is ready', clientMsgId: cid() })).message;
    clock += 1_000;
    data(await call(a, 'message:send', { channelId: general, text: 'Fractions only', clientMsgId: cid() }));
    data(await call(o, 'message:send', { channelId: other.general, text: 'fractions assessment elsewhere', clientMsgId: cid() }));
    await srv.store.collection('docs').insertMany([
      { _id: newId(), spaceId, title: 'Fractions (unit 3)', archived: false } as never,
      { _id: newId(), spaceId, title: 'Fractions old', archived: true } as never,
    ]);
    const r = await fac.client.get(`/api/spaces/${spaceId}/search?q=${encodeURIComponent('ASSESSMENT fractions')}`);
    expect(r.status).toBe(200);
    expect(r.body.messages.map((m: { id: string }) => m.id)).toEqual([hit.id]);
    expect(r.body.messages[0].channelName).toBe('general');
    const d = await fac.client.get(`/api/spaces/${spaceId}/search?q=${encodeURIComponent('fractions (unit')}`);
    expect(d.body.docs.map((x: { title: string }) => x.title)).toEqual(['Fractions (unit 3)']);
    const meta = await fac.client.get(`/api/spaces/${spaceId}/search?q=${encodeURIComponent('.*')}`);
    expect(meta.status).toBe(200);
    expect(meta.body.docs).toEqual([]);
    expect((await other.fac.client.get(`/api/spaces/${spaceId}/search?q=fractions`)).status).toBe(404);
    expect((await fac.client.get(`/api/spaces/${spaceId}/search`)).status).toBe(400);
  });
});
