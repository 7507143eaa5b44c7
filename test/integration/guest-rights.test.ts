/**
 * Guest rights per space: a facilitator switches off guests' posting in the discussion and their
 * participation (hands, votes) in live sessions. Guests then get `forbidden` with the reason, nothing is
 * stored or broadcast; members are unaffected; switching back on restores them. Only facilitators switch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, cid, closeSockets, connectSocket, data, record, sleep, spaceWith, type Person } from '../helpers/chat';
import { startServer, type TestServer } from '../helpers/server';
import { waitFor } from '../helpers/wait';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  closeSockets();
  await srv?.close();
});

describe('guest rights', () => {
  it('facilitators switch guests out of the discussion and live sessions, and back', async () => {
    const { spaceId, general, fac, people } = await spaceWith(srv.url, [{ name: 'Mia Member' }, { name: 'Gus Guest', role: 'guest' }]);
    const [member, guest] = people as [Person, Person];

    // Defaults: guests may post and take part.
    expect((await guest.client.get(`/api/spaces/${spaceId}`)).body.space.guestRights).toEqual({ chat: true, sessions: true, comments: true });

    // Only facilitators switch; bad values are refused with the field named; nothing changes.
    expect((await member.client.patch(`/api/spaces/${spaceId}`, { guestRights: { chat: false } })).status).toBe(403);
    const bad = await fac.client.patch(`/api/spaces/${spaceId}`, { guestRights: { chat: 'no' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_payload');
    expect(JSON.stringify(bad.body.error.details)).toContain('guestRights');
    expect((await fac.client.patch(`/api/spaces/${spaceId}`, { guestRights: { chat: true, admin: true } })).status).toBe(400);
    expect((await fac.client.get(`/api/spaces/${spaceId}`)).body.space.guestRights).toEqual({ chat: true, sessions: true, comments: true });

    const off = await fac.client.patch(`/api/spaces/${spaceId}`, { guestRights: { chat: false } });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body.space.guestRights).toEqual({ chat: false, sessions: true, comments: true });
    const sessionsOff = await fac.client.patch(`/api/spaces/${spaceId}`, { guestRights: { sessions: false } });
    expect(sessionsOff.body.space.guestRights).toEqual({ chat: false, sessions: false, comments: true });

    // Discussion: the guest still reads, cannot post; the member can.
    const gs = await connectSocket(srv.url, guest.client.cookie);
    const ms = await connectSocket(srv.url, member.client.cookie);
    data(await call(gs, 'space:join', { spaceId }));
    data(await call(ms, 'space:join', { spaceId }));
    const seenByGuest = record(gs, 'message:new');
    const seenByMember = record(ms, 'message:new');
    const refused = await call(gs, 'message:send', { channelId: general, text: 'Hello from a guest', clientMsgId: cid() });
    expect('error' in refused && refused.error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/not post/) });
    data(await call(ms, 'message:send', { channelId: general, text: 'Hello from a member', clientMsgId: cid() }));
    // The broadcast may trail the ack: wait for it on both sockets, then give a stray one the time to arrive.
    await waitFor(() => seenByGuest.length > 0 && seenByMember.length > 0, 'the member\'s message on both sockets');
    await sleep(100);
    expect(seenByGuest.map((m) => m.message.text)).toEqual(['Hello from a member']);
    expect(seenByMember.map((m) => m.message.text)).toEqual(['Hello from a member']);
    const history = await fac.client.get(`/api/channels/${general}/messages`);
    expect(history.body.messages.map((m: { text: string }) => m.text)).toEqual(['Hello from a member']);

    // Live session: the guest joins and follows, but cannot raise a hand or vote.
    const created = await fac.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'Data meeting', steps: [{ title: 'Look at work', minutes: 5 }], notesDocId: null });
    const sessionId = created.body.session.id;
    const fs = await connectSocket(srv.url, fac.client.cookie);
    data(await call(fs, 'session:join', { sessionId }));
    data(await call(gs, 'session:join', { sessionId }));
    data(await call(fs, 'session:control', { sessionId, action: 'start' }));
    const hand = await call(gs, 'hand:raise', { sessionId });
    expect('error' in hand && hand.error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/not raise hands or vote/) });
    const { vote } = data(await call(fs, 'vote:open', { sessionId }));
    const ballot = await call(gs, 'vote:cast', { voteId: vote.id, value: 1 });
    expect('error' in ballot && ballot.error.code).toBe('forbidden');
    data(await call(ms, 'session:join', { sessionId }));
    data(await call(ms, 'vote:cast', { voteId: vote.id, value: 4 }));
    const { results } = data(await call(fs, 'vote:close', { voteId: vote.id }));
    expect(results.count).toBe(1);

    // Switched back on: the guest posts and raises a hand again.
    await fac.client.patch(`/api/spaces/${spaceId}`, { guestRights: { chat: true, sessions: true } });
    const { message: mine } = data(await call(gs, 'message:send', { channelId: general, text: 'Thanks for having me', clientMsgId: cid() }));
    const { state } = data(await call(gs, 'hand:raise', { sessionId }));
    expect(state.hands.map((h) => h.name)).toEqual(['Gus Guest']);

    // Switched off again: the guest can no longer rewrite their message (editing is posting), but may delete it.
    await fac.client.patch(`/api/spaces/${spaceId}`, { guestRights: { chat: false } });
    const edit = await call(gs, 'message:edit', { messageId: mine.id, text: 'Something else entirely' });
    expect('error' in edit && edit.error.code).toBe('forbidden');
    const afterEdit = await fac.client.get(`/api/channels/${general}/messages`);
    expect(afterEdit.body.messages.map((m: { text: string }) => m.text)).toContain('Thanks for having me');
    data(await call(gs, 'message:delete', { messageId: mine.id }));
    const afterDelete = await fac.client.get(`/api/channels/${general}/messages`);
    expect(afterDelete.body.messages.find((m: { id: string }) => m.id === mine.id).deleted).toBe(true);
  });
});
