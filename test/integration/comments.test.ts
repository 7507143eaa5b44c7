/**
 * Comments and suggestions (CONTRACT.md "Comments"): the rights matrix, live delivery to another member's
 * socket, text kept as written, and bad anchors / oversize text / floods refused with nothing stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { call, closeSockets, connectSocket, data, next, record, sleep, spaceWith, type Person } from '../helpers/chat';
import { signupUser, startServer, type TestServer } from '../helpers/server';
import { eventually, waitFor } from '../helpers/wait';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  closeSockets();
  await srv?.close();
});

/** Two well-formed relative positions into a `default` fragment, as the editor would send. */
function rangeAnchor() {
  const ydoc = new Y.Doc();
  const frag = ydoc.getXmlFragment('default');
  const p = new Y.XmlElement('paragraph');
  const t = new Y.XmlText('We use tape diagrams in week two.');
  p.insert(0, [t]);
  frag.insert(0, [p]);
  const b64 = (rp: Y.RelativePosition) => Buffer.from(Y.encodeRelativePosition(rp)).toString('base64');
  return { from: b64(Y.createRelativePositionFromTypeIndex(t, 7)), to: b64(Y.createRelativePositionFromTypeIndex(t, 20)) };
}

/** A person's notifications once at least `n` are stored (or what there is after 10 s). */
function notificationsOf(p: Person, n: number): Promise<{ kind: string; excerpt: string }[]> {
  return eventually(async () => (await p.client.get('/api/notifications')).body.notifications as { kind: string; excerpt: string }[], (list) => list.length >= n);
}

async function setup() {
  const s = await spaceWith(srv.url, [{ name: 'Mia Member' }, { name: 'Gus Guest', role: 'guest' }]);
  const [member, guest] = s.people as [Person, Person];
  const doc = await s.fac.client.post(`/api/spaces/${s.spaceId}/docs`, { title: 'Ratios unit', template: 'curriculum-unit' });
  expect(doc.status).toBe(201);
  return { ...s, member, guest, docId: doc.body.doc.id as string };
}

describe('comment threads', () => {
  it('members comment, guests reply, everyone reads; text is returned exactly as written', async () => {
    const { fac, member, guest, docId } = await setup();
    const xss = '<img src=x onerror=alert(1)> Do we have manipulatives for this?';
    const created = await member.client.post(`/api/docs/${docId}/threads`, { anchor: rangeAnchor(), quote: 'tape diagrams', text: xss });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const thread = created.body.thread;
    expect(thread).toMatchObject({ docId, quote: 'tape diagrams', status: 'open', suggestion: null, author: { id: member.user.id, name: 'Mia Member' } });
    expect(thread.comments).toHaveLength(1);
    expect(thread.comments[0]).toMatchObject({ text: xss, author: { id: member.user.id }, editedAt: null });

    const reply = await guest.client.post(`/api/threads/${thread.id}/comments`, { text: 'We have some in room 12.' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.comment).toMatchObject({ text: 'We have some in room 12.', author: { id: guest.user.id, name: 'Gus Guest' } });

    for (const who of [fac, member, guest]) {
      const list = await who.client.get(`/api/docs/${docId}/threads`);
      expect(list.status).toBe(200);
      expect(list.body.threads).toHaveLength(1);
      expect(list.body.threads[0].comments.map((c: { text: string }) => c.text)).toEqual([xss, 'We have some in room 12.']);
    }
  });

  it('the rights matrix: guests comment only when allowed and never suggest or decide; strangers see 404; archived documents take nothing', async () => {
    const { spaceId, fac, member, guest, docId } = await setup();
    const stranger = await signupUser(srv.url, 'Sam Stranger');
    const anchor = rangeAnchor();

    // Strangers and anonymous callers learn nothing.
    expect((await stranger.client.get(`/api/docs/${docId}/threads`)).status).toBe(404);
    expect((await stranger.client.post(`/api/docs/${docId}/threads`, { anchor, quote: 'q', text: 'hi' })).status).toBe(404);
    const anon = await fetch(`${srv.url}/api/docs/${docId}/threads`);
    expect(anon.status).toBe(401);

    // Guests never suggest; members do.
    const gs = await guest.client.post(`/api/docs/${docId}/threads`, { anchor, quote: 'q', text: 'Try this', suggestion: 'bar models' });
    expect(gs.status).toBe(403);
    expect(gs.body.error.code).toBe('forbidden');
    const sug = await member.client.post(`/api/docs/${docId}/threads`, { anchor, quote: 'tape diagrams', text: 'Clearer?', suggestion: 'bar models' });
    expect(sug.status).toBe(201);
    const sid = sug.body.thread.id;

    // Guests neither accept nor resolve; members and facilitators do.
    expect((await guest.client.patch(`/api/threads/${sid}`, { status: 'accepted' })).status).toBe(403);
    expect((await guest.client.patch(`/api/threads/${sid}`, { status: 'resolved' })).status).toBe(403);
    expect((await stranger.client.patch(`/api/threads/${sid}`, { status: 'resolved' })).status).toBe(404);
    const acc = await fac.client.patch(`/api/threads/${sid}`, { status: 'accepted' });
    expect(acc.status).toBe(200);
    expect(acc.body.thread).toMatchObject({ status: 'accepted', statusBy: { id: fac.user.id } });

    // A plain comment cannot be accepted; it can be resolved and reopened.
    const plain = (await member.client.post(`/api/docs/${docId}/threads`, { anchor, quote: 'q', text: 'A question' })).body.thread.id;
    expect((await member.client.patch(`/api/threads/${plain}`, { status: 'accepted' })).status).toBe(409);
    expect((await member.client.patch(`/api/threads/${plain}`, { status: 'resolved' })).body.thread.status).toBe('resolved');
    expect((await member.client.patch(`/api/threads/${plain}`, { status: 'open' })).body.thread.status).toBe('open');

    // The facilitator switches guests' comments off: the guest still reads, cannot post.
    expect((await fac.client.patch(`/api/spaces/${spaceId}`, { guestRights: { comments: false } })).status).toBe(200);
    const off = await guest.client.post(`/api/threads/${plain}/comments`, { text: 'me too' });
    expect(off.status).toBe(403);
    expect(off.body.error.message).toMatch(/comments/);
    expect((await guest.client.get(`/api/docs/${docId}/threads`)).body.threads).toHaveLength(2);
    expect((await fac.client.patch(`/api/spaces/${spaceId}`, { guestRights: { comments: true } })).status).toBe(200);
    expect((await guest.client.post(`/api/threads/${plain}/comments`, { text: 'me too' })).status).toBe(201);

    // Authors edit their own comments only; facilitators may delete anyone's.
    const t = (await guest.client.get(`/api/docs/${docId}/threads`)).body.threads.find((x: { id: string }) => x.id === plain);
    const guestComment = t.comments[1].id;
    expect((await member.client.patch(`/api/threads/${plain}/comments/${guestComment}`, { text: 'hijack' })).status).toBe(403);
    const edited = await guest.client.patch(`/api/threads/${plain}/comments/${guestComment}`, { text: 'me too, and room 12' });
    expect(edited.status).toBe(200);
    expect(edited.body.thread.comments[1]).toMatchObject({ text: 'me too, and room 12', editedAt: expect.any(String) });
    expect((await member.client.delete(`/api/threads/${plain}/comments/${guestComment}`)).status).toBe(403);
    const removed = await fac.client.delete(`/api/threads/${plain}/comments/${guestComment}`);
    expect(removed.status).toBe(200);
    expect(removed.body.thread.comments).toHaveLength(1);

    // Archived: read, never write.
    expect((await fac.client.patch(`/api/docs/${docId}`, { archived: true })).status).toBe(200);
    expect((await member.client.get(`/api/docs/${docId}/threads`)).body.threads).toHaveLength(2);
    const archivedPost = await member.client.post(`/api/docs/${docId}/threads`, { anchor, quote: 'q', text: 'late' });
    expect(archivedPost.status).toBe(403);
    expect(archivedPost.body.error.message).toMatch(/archived/);
    expect((await member.client.post(`/api/threads/${plain}/comments`, { text: 'late' })).status).toBe(403);
    expect((await member.client.patch(`/api/threads/${plain}`, { status: 'resolved' })).status).toBe(403);
    expect((await member.client.get(`/api/docs/${docId}/threads`)).body.threads).toHaveLength(2);
  });

  it('bad anchors, oversize text and unknown fields are refused and nothing is stored', async () => {
    const { member, docId } = await setup();
    const good = rangeAnchor();
    const bad = [
      { anchor: { from: '!!!', to: good.to }, quote: 'q', text: 'x' },
      { anchor: { from: 'AAAAAAAAAAAAAAAA', to: good.to }, quote: 'q', text: 'x' },
      { anchor: { lineId: 'line-1' }, quote: 'q', text: 'x' },
      { anchor: { from: good.from }, quote: 'q', text: 'x' },
      { anchor: good, quote: 'q', text: 'x'.repeat(4001) },
      { anchor: good, quote: 'q', text: '   ' },
      { anchor: good, quote: 'q', text: 'x', admin: true },
      { anchor: good, quote: 'q', text: 'x', suggestion: 'y'.repeat(4001) },
      { anchor: 'everything', quote: 'q', text: 'x' },
    ];
    for (const body of bad) {
      const r = await member.client.post(`/api/docs/${docId}/threads`, body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.body.error.code).toBe('invalid_payload');
    }
    expect((await member.client.get(`/api/docs/${docId}/threads`)).body.threads).toEqual([]);
    expect((await member.client.post(`/api/docs/${docId}/threads`, { anchor: good, quote: 'q', text: 'x'.repeat(4000) })).status).toBe(201);
    const bogus = await member.client.post(`/api/threads/nope/comments`, { text: 'x' });
    expect(bogus.status).toBe(404);
  });

  it('a budget line carries a thread by its line id', async () => {
    const s = await spaceWith(srv.url, [{ name: 'Mia Member' }]);
    const doc = await s.fac.client.post(`/api/spaces/${s.spaceId}/docs`, { title: 'Math night', template: 'budget' });
    const docId = doc.body.doc.id;
    const r = await s.people[0]!.client.post(`/api/docs/${docId}/threads`, { anchor: { lineId: 'Xy12_ab' }, quote: 'Calculators', text: 'Is this quote still valid?' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.thread.anchor).toEqual({ lineId: 'Xy12_ab' });
    expect((await s.people[0]!.client.post(`/api/docs/${docId}/threads`, { anchor: rangeAnchor(), quote: 'q', text: 'x' })).status).toBe(400);
  });

  it('new threads and replies reach another member viewing the space, live', async () => {
    const { spaceId, member, fac, docId } = await setup();
    const fs = await connectSocket(srv.url, fac.client.cookie);
    data(await call(fs, 'space:join', { spaceId }));
    const seen = next(fs, 'thread:changed');
    const created = await member.client.post(`/api/docs/${docId}/threads`, { anchor: rangeAnchor(), quote: 'tape diagrams', text: 'Live?' });
    const live = await seen;
    expect(live.thread).toEqual(created.body.thread);
    const all = record(fs, 'thread:changed');
    await member.client.post(`/api/threads/${created.body.thread.id}/comments`, { text: 'Yes, live.' });
    await member.client.patch(`/api/threads/${created.body.thread.id}`, { status: 'resolved' });
    // The socket events may trail the HTTP answers: wait for both, then give a stray third the time to arrive.
    await waitFor(() => all.length >= 2, 'both thread:changed events');
    await sleep(150);
    expect(all.map((e) => [e.thread.comments.length, e.thread.status])).toEqual([
      [2, 'open'],
      [2, 'resolved'],
    ]);
    const gone = next(fs, 'thread:removed');
    expect((await member.client.delete(`/api/threads/${created.body.thread.id}/comments/${created.body.thread.comments[0].id}`)).status).toBe(204);
    expect(await gone).toEqual({ docId, threadId: created.body.thread.id });
    expect((await fac.client.get(`/api/docs/${docId}/threads`)).body.threads).toEqual([]);
  });

  it('doc:watch follows one document without joining the discussion; strangers are refused; a removed member stops hearing', async () => {
    const { spaceId, member, fac, docId } = await setup();
    const stranger = await signupUser(srv.url, 'Sam Stranger');
    const ss = await connectSocket(srv.url, stranger.client.cookie);
    const refused = await call(ss, 'doc:watch', { docId });
    expect('error' in refused && refused.error.code).toBe('not_found');
    const bad = await call(ss, 'doc:watch', { docId: { $ne: null } } as never);
    expect('error' in bad && bad.error.code).toBe('invalid_payload');
    const strangerSaw = record(ss, 'thread:changed');

    const ms = await connectSocket(srv.url, member.client.cookie);
    data(await call(ms, 'doc:watch', { docId }));
    const memberSaw = record(ms, 'thread:changed');
    const first = next(ms, 'thread:changed');
    const t = await fac.client.post(`/api/docs/${docId}/threads`, { anchor: rangeAnchor(), quote: 'tape diagrams', text: 'Watching?' });
    expect((await first).thread.id).toBe(t.body.thread.id);

    // Removing the member: their socket leaves the document's room before anything else is said.
    const members = await fac.client.get(`/api/spaces/${spaceId}/members`);
    expect(members.status).toBe(200);
    expect((await fac.client.delete(`/api/spaces/${spaceId}/members/${member.user.id}`)).status).toBe(204);
    await sleep(150);
    await fac.client.post(`/api/threads/${t.body.thread.id}/comments`, { text: 'After the removal' });
    await sleep(200);
    expect(memberSaw).toHaveLength(1);
    expect(strangerSaw).toHaveLength(0);
  });

  it('mentions, replies and new threads reach the bell, live; a facilitator removing a comment is logged', async () => {
    const { spaceId, fac, member, guest, docId } = await setup();
    const bell = await connectSocket(srv.url, member.client.cookie);
    const live = next(bell, 'notification:new');
    // The facilitator created the document; Mia is @mentioned in a new thread by the guest.
    const t = await guest.client.post(`/api/docs/${docId}/threads`, { anchor: rangeAnchor(), quote: 'tape diagrams', text: '@Mia Member do we have manipulatives?' });
    expect(t.status).toBe(201);
    const pushed = await live;
    expect(pushed.notification).toMatchObject({ kind: 'comment-mention', docId, docTitle: 'Ratios unit', threadId: t.body.thread.id, channelId: null, actor: { name: 'Gus Guest' } });
    // Notices are written after the answer (the author does not wait for them): wait for them to land.
    const facN = await notificationsOf(fac, 1);
    expect(facN.map((n: { kind: string }) => n.kind)).toEqual(['comment-thread']);

    // Mia replies: the guest (thread author) and nobody else hears of it; Mia does not notify herself.
    await member.client.post(`/api/threads/${t.body.thread.id}/comments`, { text: 'Yes, room 12.' });
    const guestN = await notificationsOf(guest, 1);
    expect(guestN.map((n: { kind: string; excerpt: string }) => [n.kind, n.excerpt])).toEqual([['comment-reply', 'Yes, room 12.']]);
    expect((await member.client.get('/api/notifications')).body.notifications).toHaveLength(1);

    // The facilitator removes Mia's reply: the moderation log says so, with the document.
    const replyId = (await fac.client.get(`/api/docs/${docId}/threads`)).body.threads[0].comments[1].id;
    const guestBell = await connectSocket(srv.url, guest.client.cookie);
    const withdrawn = next(guestBell, 'notification:removed');
    expect((await fac.client.delete(`/api/threads/${t.body.thread.id}/comments/${replyId}`)).status).toBe(200);
    // The removed reply's notification leaves the guest's bell, live, with its excerpt.
    expect(await withdrawn).toMatchObject({ ids: [expect.any(String)], unread: 0 });
    expect((await guest.client.get('/api/notifications')).body).toMatchObject({ notifications: [], unread: 0 });
    // The others' notifications are about the thread's question, which is still there.
    expect((await member.client.get('/api/notifications')).body.notifications).toHaveLength(1);
    const log = (await fac.client.get(`/api/spaces/${spaceId}/moderation`)).body.entries;
    expect(log[0]).toMatchObject({ action: 'comment.delete', docId, docTitle: 'Ratios unit', text: 'Yes, room 12.', author: { id: member.user.id }, actor: { id: fac.user.id } });
    // And the audit trail keeps that it happened (once), without the text.
    const trail = (await fac.client.get(`/api/spaces/${spaceId}/audit?action=comment.moderated`)).body.entries;
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ action: 'comment.moderated', actor: { id: fac.user.id }, target: { type: 'comment', id: replyId }, details: { authorId: member.user.id, docId, threadId: t.body.thread.id } });
    expect(JSON.stringify(trail[0])).not.toContain('room 12');

    // The guest removes their question, so the whole thread: every notification about it goes.
    const gone = next(bell, 'notification:removed');
    const question = t.body.thread.comments[0].id;
    expect((await guest.client.delete(`/api/threads/${t.body.thread.id}/comments/${question}`)).status).toBe(204);
    expect((await gone).unread).toBe(0);
    expect((await member.client.get('/api/notifications')).body.notifications).toEqual([]);
    expect((await fac.client.get('/api/notifications')).body.notifications).toEqual([]);
  });

  it('someone who left the space hears nothing more of it: a new thread on their document notifies nobody', async () => {
    const { spaceId, member, guest } = await setup();
    const mine = await member.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Mia’s lesson', template: 'blank' });
    expect(mine.status).toBe(201);
    expect((await member.client.post(`/api/spaces/${spaceId}/leave`, {})).status).toBe(204);
    // Her document stays in the space; a thread on it would notify its creator, who is no longer a member.
    const t = await guest.client.post(`/api/docs/${mine.body.doc.id}/threads`, { anchor: rangeAnchor(), quote: 'lesson', text: 'Who runs this now?' });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    // The notice is written after the answer: give it the time it takes, then nothing may be kept.
    await sleep(500);
    expect(await srv.store.collection('notifications').count({ userId: member.user.id, spaceId })).toBe(0);
    expect((await member.client.get('/api/notifications')).body.notifications).toEqual([]);
  });

  it('exports list the open threads as numbered notes, marked where their text ends, only when asked', async () => {
    const { fac, member, docId } = await setup();
    // The document's real state, to anchor on its own text (a named version carries it).
    const v = await fac.client.post(`/api/docs/${docId}/versions`, { name: 'Now' });
    const state = (await fac.client.get(`/api/docs/${docId}/versions/${v.body.version.id}`)).body.state;
    const ydoc = new Y.Doc();
    Y.applyUpdate(ydoc, new Uint8Array(Buffer.from(state, 'base64')));
    let text: Y.XmlText | null = null;
    const walk = (n: Y.XmlElement | Y.XmlFragment) => {
      for (const c of n.toArray()) {
        if (text) return;
        if (c instanceof Y.XmlText && c.length > 8) text = c;
        else if (c instanceof Y.XmlElement) walk(c);
      }
    };
    walk(ydoc.getXmlFragment('default'));
    const t = text as unknown as Y.XmlText;
    const phrase = t.toString().replace(/<[^>]*>/g, '').slice(0, 6);
    const b64 = (rp: Y.RelativePosition) => Buffer.from(Y.encodeRelativePosition(rp)).toString('base64');
    const anchor = { from: b64(Y.createRelativePositionFromTypeIndex(t, 0, 0)), to: b64(Y.createRelativePositionFromTypeIndex(t, 6, -1)) };
    const open = (await member.client.post(`/api/docs/${docId}/threads`, { anchor, quote: phrase, text: 'Is *this* <b>right</b>?' })).body.thread;
    const done = (await member.client.post(`/api/docs/${docId}/threads`, { anchor, quote: phrase, text: 'Already settled' })).body.thread;
    await member.client.patch(`/api/threads/${done.id}`, { status: 'resolved' });
    await fac.client.post(`/api/threads/${open.id}/comments`, { text: 'Yes.' });

    const plain = await fac.client.get(`/api/docs/${docId}/export?format=markdown`);
    expect(plain.body).not.toContain('## Comments');
    const md = (await fac.client.get(`/api/docs/${docId}/export?format=markdown&comments=open`)).body as string;
    // The marker follows the commented phrase (prosemirror-markdown escapes its brackets).
    expect(md.includes(`${phrase} \\[1\\]`) || md.includes(`${phrase} [1]`), md.slice(0, 300)).toBe(true);
    expect(md).toMatch(/## Comments\n\n1\. on “.+”\n   - Mia Member: Is \*this\* <b>right<\/b>\?\n   - Fran Facilitator: Yes\./);
    expect(md).not.toContain('Already settled');
    const html = (await fac.client.get(`/api/docs/${docId}/export?format=html&comments=open`)).body as string;
    expect(html).toContain('<h2>Comments</h2>');
    expect(html).toContain('Is *this* &lt;b&gt;right&lt;/b&gt;?');
    expect(html).not.toContain('<b>right</b>');
    expect((await fac.client.get(`/api/docs/${docId}/export?format=markdown&comments=all`)).status).toBe(400);
  });

  it('a flood is rate limited and the rest of the space carries on', async () => {
    const { member, fac, docId } = await setup();
    const anchor = rangeAnchor();
    const codes: number[] = [];
    for (let i = 0; i < 35; i++) codes.push((await member.client.post(`/api/docs/${docId}/threads`, { anchor, quote: 'q', text: `spam ${i}` })).status);
    expect(codes.filter((c) => c === 201)).toHaveLength(30);
    expect(codes.slice(30).every((c) => c === 429)).toBe(true);
    expect((await member.client.get(`/api/docs/${docId}/threads`)).body.threads).toHaveLength(30);
    expect((await fac.client.post(`/api/docs/${docId}/threads`, { anchor, quote: 'q', text: 'still here' })).status).toBe(201);
  });
});
