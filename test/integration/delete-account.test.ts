/** Deleting my account over real HTTP: proof required, logins end, what I wrote stays, never the last facilitator. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeSockets, connectSocket, data } from '../helpers/chat';
import { ApiClient, signupUser, startServer, type TestServer } from '../helpers/server';
import { eventually } from '../helpers/wait';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  closeSockets();
  await srv?.close();
});

const del = (c: ApiClient, body: unknown) => c.request('DELETE', '/api/me', body);

describe('delete my account', () => {
  it('needs my email and password; then every login ends, my membership goes and my messages stay', async () => {
    const fac = await signupUser(srv.url, 'Stays');
    const leaver = await signupUser(srv.url, 'Leaver');
    const spaceId = (await fac.client.post('/api/spaces', { name: 'Keeps going', kind: 'plc' })).body.space.id;
    const code = (await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' })).body.invite.code;
    await leaver.client.post(`/api/invites/${code}/accept`);
    const channelId = (await leaver.client.get(`/api/spaces/${spaceId}/channels`)).body.channels[0].id;
    const socket = await connectSocket(srv.url, leaver.client.cookie);
    data(await call(socket, 'message:send', { channelId, text: 'my last words here', clientMsgId: randomUUID() }));
    const phone = new ApiClient(srv.url);
    await phone.post('/api/auth/login', { email: leaver.user.email, password: leaver.password });

    expect((await del(leaver.client, { confirmEmail: fac.user.email, password: leaver.password })).status).toBe(400);
    const wrong = await del(leaver.client, { confirmEmail: leaver.user.email, password: 'not my password' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.fields[0].field).toBe('password');
    const closed = new Promise<void>((resolve) => socket.on('disconnect', () => resolve()));
    const res = await del(leaver.client, { confirmEmail: leaver.user.email.toUpperCase(), password: leaver.password });
    expect(res.status).toBe(204);
    await closed;
    expect((await leaver.client.get('/api/me')).status).toBe(401);
    expect((await phone.get('/api/me')).status).toBe(401);
    expect((await new ApiClient(srv.url).post('/api/auth/login', { email: leaver.user.email, password: leaver.password })).status).toBe(401);
    const messages = (await fac.client.get(`/api/channels/${channelId}/messages`)).body.messages;
    const mine = messages.find((m: { text: string }) => m.text === 'my last words here');
    // What I wrote stays in the discussion, under "Former member".
    expect(mine.author).toEqual({ id: leaver.user.id, name: 'Former member' });
    const members = (await fac.client.get(`/api/spaces/${spaceId}/members`)).body.members;
    expect(members.map((m: { user: { id: string } }) => m.user.id)).toEqual([fac.user.id]);
    const trail = (await fac.client.get(`/api/spaces/${spaceId}/audit`)).body.entries;
    expect(trail.some((e: { action: string }) => e.action === 'invite.used')).toBe(true);
    // The same email can sign up again as a new person.
    expect((await new ApiClient(srv.url).post('/api/auth/signup', { email: leaver.user.email, password: 'a fresh start', name: 'New' })).status).toBe(201);
  });

  it('is refused while I am the last facilitator of a space with other members; allowed once someone else is', async () => {
    const fac = await signupUser(srv.url, 'Runner');
    const mem = await signupUser(srv.url, 'Helper');
    const spaceId = (await fac.client.post('/api/spaces', { name: 'Needs a runner', kind: 'lab' })).body.space.id;
    await fac.client.post('/api/spaces', { name: 'Just me', kind: 'lab' });
    const code = (await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' })).body.invite.code;
    await mem.client.post(`/api/invites/${code}/accept`);
    const refused = await del(fac.client, { confirmEmail: fac.user.email, password: fac.password });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toEqual({ reason: 'last_facilitator', spaces: ['Needs a runner'] });
    expect((await fac.client.get('/api/me')).status).toBe(200);
    await fac.client.patch(`/api/spaces/${spaceId}/members/${mem.user.id}`, { role: 'facilitator' });
    expect((await del(fac.client, { confirmEmail: fac.user.email, password: fac.password })).status).toBe(204);
    expect((await mem.client.get(`/api/spaces/${spaceId}/members`)).body.members).toHaveLength(1);
  });

  it('by default my messages and comments stay under "Former member"; with eraseContent they are erased from the store', async () => {
    for (const erase of [false, true]) {
      const fac = await signupUser(srv.url, 'Keeper');
      const leaver = await signupUser(srv.url, erase ? 'Eraser' : 'Stayer');
      const spaceId = (await fac.client.post('/api/spaces', { name: `Team ${erase}`, kind: 'plc' })).body.space.id;
      const code = (await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: 'member' })).body.invite.code;
      await leaver.client.post(`/api/invites/${code}/accept`);
      const channelId = (await leaver.client.get(`/api/spaces/${spaceId}/channels`)).body.channels[0].id;
      const [mine, theirs] = [await connectSocket(srv.url, leaver.client.cookie), await connectSocket(srv.url, fac.client.cookie)];
      const top = data(await call(mine, 'message:send', { channelId, text: `secret plan ${erase}`, clientMsgId: randomUUID() })).message;
      data(await call(theirs, 'message:send', { channelId, text: 'a reply that stays', clientMsgId: randomUUID(), parentId: top.id }));
      data(await call(theirs, 'message:send', { channelId, text: `@${leaver.user.name} hello`, clientMsgId: randomUUID() }));
      const docId = (await fac.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Budget', template: 'budget' })).body.doc.id;
      const alone = (await leaver.client.post(`/api/docs/${docId}/threads`, { anchor: { lineId: 'l1' }, quote: 'Bus', text: 'my lonely thread' })).body.thread;
      const shared = (await leaver.client.post(`/api/docs/${docId}/threads`, { anchor: { lineId: 'l2' }, quote: 'Food', text: 'my question' })).body.thread;
      await fac.client.post(`/api/threads/${shared.id}/comments`, { text: 'an answer' });
      const onTheirs = (await fac.client.post(`/api/docs/${docId}/threads`, { anchor: { lineId: 'l3' }, quote: 'Fees', text: 'their thread' })).body.thread;
      await leaver.client.post(`/api/threads/${onTheirs.id}/comments`, { text: 'my reply there' });
      // My three notifications (the reply, the mention, the answer) are written after the answers: let them
      // land before the deletion, which must erase them, rather than after it.
      await eventually(() => srv.store.collection('notifications').count({ userId: leaver.user.id }), (n) => n >= 3);

      expect((await leaver.client.request('PUT', '/api/me/email-preferences', { notifications: 'immediately' })).status).toBe(200);
      const body = { confirmEmail: leaver.user.email, password: leaver.password, ...(erase ? { eraseContent: true } : {}) };
      expect((await del(leaver.client, body)).status).toBe(204);

      const stored = await srv.store.collection<{ _id: string; authorId: string; authorName: string; text: string; deletedAt: Date | null }>('messages').find({ authorId: leaver.user.id });
      expect(stored).toHaveLength(1);
      expect(stored[0]!.authorName).toBe('Former member');
      const threads = await srv.store.collection<{ _id: string; comments: { authorId: string; authorName: string; text: string }[] }>('threads').find({ docId });
      const listed = (await fac.client.get(`/api/channels/${channelId}/messages`)).body.messages;
      const shown = listed.find((m: { id: string }) => m.id === top.id);
      expect(shown.author.name).toBe('Former member');
      const replies = (await fac.client.get(`/api/messages/${top.id}/thread`)).body.replies;
      expect(replies.map((r: { text: string }) => r.text)).toEqual(['a reply that stays']);
      const views = (await fac.client.get(`/api/docs/${docId}/threads`)).body.threads as { id: string; author: { name: string }; comments: { author: { id: string; name: string }; text: string }[] }[];
      if (!erase) {
        expect(stored[0]!.text).toBe('secret plan false');
        expect(shown.text).toBe('secret plan false');
        expect(threads).toHaveLength(3);
        for (const t of threads) for (const c of t.comments) if (c.authorId === leaver.user.id) expect(c.authorName).toBe('Former member');
        expect(views.find((t) => t.id === alone.id)!.author.name).toBe('Former member');
        expect(views.find((t) => t.id === onTheirs.id)!.comments.map((c) => [c.author.name, c.text])).toEqual([
          ['Keeper', 'their thread'],
          ['Former member', 'my reply there'],
        ]);
      } else {
        expect(stored[0]!.text).toBe('');
        expect(stored[0]!.deletedAt).not.toBeNull();
        expect(shown.deleted).toBe(true);
        // The thread only I wrote in is gone; where others answered, my words are gone and theirs stay.
        expect(threads.map((t) => t._id).sort()).toEqual([shared.id, onTheirs.id].sort());
        const all = threads.flatMap((t) => t.comments);
        expect(all.filter((c) => c.authorId === leaver.user.id).map((c) => c.text)).toEqual(['']);
        expect(all.some((c) => /my (question|reply there|lonely)/.test(c.text))).toBe(false);
        expect(views.find((t) => t.id === shared.id)!.comments.map((c) => c.text)).toEqual(['', 'an answer']);
        expect(JSON.stringify(await srv.store.collection('messages').find({ spaceId }))).not.toContain('secret plan');
      }
      expect(await srv.store.collection('notifications').count({ userId: leaver.user.id })).toBe(0);
      expect(await srv.store.collection('emailPrefs').count({ _id: leaver.user.id })).toBe(0);
      const trail = (await fac.client.get(`/api/spaces/${spaceId}/audit`)).body.entries;
      expect(trail.some((e: { action: string }) => e.action === 'invite.used')).toBe(true);
    }
  });

  it('signed out: 401', async () => {
    expect((await del(new ApiClient(srv.url), { confirmEmail: 'a@b.test' })).status).toBe(401);
  });
});
