/**
 * Crash safety of the multi-step writes (server/store/README.md, "Atomic by design"), with a real server
 * process killed at every crash point between their steps: creating a space (facilitator, `general`),
 * approving a join request, joining through an invite, and a facilitator removing a message or a comment.
 *
 * One chain of processes on one data directory: the process started with COLLAB_CRASH_AT=<point k> is
 * asked to do action k and SIGKILLs itself in its gap; the next process (started with point k+1) must
 * show nothing half-made for every action so far, then is asked to do action k+1. The last process has
 * no crash point: every action is retried by its user and succeeds, and the store holds no marker left.
 * Runs on the embedded store, and on MongoDB in the "integration-mongo" project.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { call, closeSockets, cid, connectSocket, data, sleep } from '../helpers/chat';
import { databaseFor, MONGO_STORE_SELECTED, MONGODB_TEST_URI, withDatabase } from '../helpers/mongo';
import { ApiClient, openTestStore, removeTestData, signupUser, spawnServer, tempDir, type ChildServer } from '../helpers/server';

const POINTS = [
  'join.approve:after-claim',
  'join.approve:after-membership',
  'invite.accept:after-seat',
  'invite.accept:after-membership',
  'moderation:after-log',
  'moderation:after-removal',
  'comment.moderation:after-log',
  'comment.moderation:after-removal',
  'space.create:after-space',
  'space.create:after-membership',
  'space.create:after-channel',
] as const;
type Point = (typeof POINTS)[number];

const dataDir = tempDir('atomic-crash-');
const storeEnv = MONGO_STORE_SELECTED && MONGODB_TEST_URI ? { MONGODB_URI: withDatabase(MONGODB_TEST_URI, databaseFor(dataDir)) } : { MONGODB_URI: '' };
let child: ChildServer | null = null;

afterAll(async () => {
  closeSockets();
  await child?.kill('SIGKILL');
  await removeTestData(dataDir);
});

/** Starts the next process of the chain; one more try when a loaded machine makes it miss spawnServer's 20 s start limit. */
async function start(point: Point | '') {
  child = null;
  const env = { DATA_DIR: dataDir, COLLAB_CRASH_AT: point, ...storeEnv };
  child = await spawnServer(env).catch((err: Error) => (/server did not start:\s*$/.test(err.message) ? spawnServer(env) : Promise.reject(err)));
}

interface Person {
  id: string;
  cookie: string;
}
/** `who` as a client of the running process (cookies outlive the process: logins are in the store). */
const as = (who: Person) => Object.assign(new ApiClient(child!.url), { cookie: who.cookie });

/** Starts `act` and expects the process to SIGKILL itself before answering. */
async function actUntilDeath(act: () => Promise<unknown>): Promise<void> {
  if (!child) throw new Error('no server: the previous step failed');
  const proc = child.proc;
  const died = new Promise<string | null>((resolve) => proc.once('exit', (_code, signal) => resolve(signal)));
  // A request cut off by the kill fails: then the exit tells. An answer means the point was never reached.
  const outcome = await Promise.race([died, act().then(() => 'answered', () => died)]);
  expect(outcome).toBe('SIGKILL');
  closeSockets();
}

// What the chain sets up in its first process, and what each step acted on.
const s = {} as {
  fac: Person;
  author: Person;
  askers: Person[];
  joiners: Person[];
  spaceId: string;
  general: string;
  requests: string[];
  invites: string[];
  messages: { id: string; text: string }[];
  docId: string;
  /** The comments a facilitator removes: a reply (0), and the question that opens a thread (1: the thread goes). */
  comments: { threadId: string; commentId: string; text: string }[];
};

/** Two well-formed relative positions into a `default` fragment, as the editor would send. */
function rangeAnchor() {
  const ydoc = new Y.Doc();
  const t = new Y.XmlText('We use tape diagrams in week two.');
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [t]);
  ydoc.getXmlFragment('default').insert(0, [p]);
  const b64 = (rp: Y.RelativePosition) => Buffer.from(Y.encodeRelativePosition(rp)).toString('base64');
  return { from: b64(Y.createRelativePositionFromTypeIndex(t, 7)), to: b64(Y.createRelativePositionFromTypeIndex(t, 20)) };
}

async function setup(): Promise<void> {
  const person = async (name: string) => {
    const p = await signupUser(child!.url, name);
    return { id: p.user.id, cookie: p.client.cookie };
  };
  s.fac = await person('Fran Facilitator');
  s.author = await person('Avery Author');
  s.askers = [await person('Asha Asker'), await person('Ben Asker')];
  s.joiners = [await person('Jo Joiner'), await person('Kim Joiner')];
  const space = await as(s.fac).post('/api/spaces', { name: 'Crash lab', kind: 'lab', visibility: 'listed' });
  expect(space.status).toBe(201);
  s.spaceId = space.body.space.id;
  s.general = (await as(s.fac).get(`/api/spaces/${s.spaceId}/channels`)).body.channels.find((c: { name: string }) => c.name === 'general').id;
  const inviteFor = async (role: string, maxUses: number) => (await as(s.fac).post(`/api/spaces/${s.spaceId}/invites`, { role, maxUses })).body.invite.code as string;
  expect((await as(s.author).post(`/api/invites/${await inviteFor('member', 1)}/accept`)).status).toBe(200);
  s.invites = [await inviteFor('member', 1), await inviteFor('guest', 1)];
  s.requests = [];
  for (const a of s.askers) s.requests.push((await as(a).post(`/api/spaces/${s.spaceId}/join-requests`, { message: 'May I?' })).body.joinRequest.id);
  const socket = await connectSocket(child!.url, s.author.cookie);
  s.messages = [];
  for (const text of ['first rude remark', 'second rude remark']) {
    const sent = data(await call(socket, 'message:send', { channelId: s.general, text, clientMsgId: cid() }));
    s.messages.push({ id: sent.message.id, text });
  }
  closeSockets();
  const doc = await as(s.fac).post(`/api/spaces/${s.spaceId}/docs`, { title: 'Ratios unit', template: 'curriculum-unit' });
  expect(doc.status).toBe(201);
  s.docId = doc.body.doc.id;
  const first = await as(s.author).post(`/api/docs/${s.docId}/threads`, { anchor: rangeAnchor(), quote: 'tape diagrams', text: 'A fair question' });
  const reply = await as(s.author).post(`/api/threads/${first.body.thread.id}/comments`, { text: 'a rude reply' });
  const second = await as(s.author).post(`/api/docs/${s.docId}/threads`, { anchor: rangeAnchor(), quote: 'tape diagrams', text: 'a rude question' });
  expect([first.status, reply.status, second.status]).toEqual([201, 201, 201]);
  s.comments = [
    { threadId: first.body.thread.id, commentId: reply.body.comment.id, text: 'a rude reply' },
    { threadId: second.body.thread.id, commentId: second.body.thread.comments[0].id, text: 'a rude question' },
  ];
}

/** The action at each point, by its user, as the client sends it. */
const ACTS: Record<Point, () => Promise<unknown>> = {
  'join.approve:after-claim': () => as(s.fac).post(`/api/spaces/${s.spaceId}/join-requests/${s.requests[0]}/approve`),
  'join.approve:after-membership': () => as(s.fac).post(`/api/spaces/${s.spaceId}/join-requests/${s.requests[1]}/approve`),
  'invite.accept:after-seat': () => as(s.joiners[0]!).post(`/api/invites/${s.invites[0]}/accept`),
  'invite.accept:after-membership': () => as(s.joiners[1]!).post(`/api/invites/${s.invites[1]}/accept`),
  'moderation:after-log': () => moderate(0),
  'moderation:after-removal': () => moderate(1),
  'comment.moderation:after-log': () => removeComment(0),
  'comment.moderation:after-removal': () => removeComment(1),
  'space.create:after-space': () => createSpace('Crash space 1'),
  'space.create:after-membership': () => createSpace('Crash space 2'),
  'space.create:after-channel': () => createSpace('Crash space 3'),
};

async function moderate(i: number) {
  const socket = await connectSocket(child!.url, s.fac.cookie);
  return call(socket, 'message:delete', { messageId: s.messages[i]!.id, reason: 'not kind' }, 20_000);
}
const removeComment = (i: number) => as(s.fac).delete(`/api/threads/${s.comments[i]!.threadId}/comments/${s.comments[i]!.commentId}`);
const createSpace = (name: string) => as(s.fac).post('/api/spaces', { name, kind: 'plc' });

/** A join request as its requester and the facilitators see it: either pending (and no member) or approved (member, off the list). */
async function joinState(i: number): Promise<'pending' | 'approved'> {
  const asker = s.askers[i]!;
  const role = (await as(asker).get(`/api/spaces/${s.spaceId}`)).body.role;
  const listed = (await as(s.fac).get(`/api/spaces/${s.spaceId}/join-requests`)).body.joinRequests.some((j: { user: { id: string } }) => j.user.id === asker.id);
  const dir = (await as(asker).get('/api/directory')).body.spaces.find((d: { id: string }) => d.id === s.spaceId);
  if (role === null) {
    expect(listed && dir.pendingRequest).toBe(true);
    return 'pending';
  }
  expect({ role, listed, pendingRequest: dir.pendingRequest, myRole: dir.myRole }).toEqual({ role: 'member', listed: false, pendingRequest: false, myRole: 'member' });
  return 'approved';
}

/** A joiner through invite i: either not in (and the seat free) or in with the seat used. */
async function inviteState(i: number): Promise<'out' | 'in'> {
  const role = (await as(s.joiners[i]!).get(`/api/spaces/${s.spaceId}`)).body.role;
  const invite = (await as(s.fac).get(`/api/spaces/${s.spaceId}/invites`)).body.invites.find((v: { code: string }) => v.code === s.invites[i]);
  if (role === null) {
    expect(invite.uses).toBe(0);
    return 'out';
  }
  expect({ role, uses: invite.uses }).toEqual({ role: i === 0 ? 'member' : 'guest', uses: 1 });
  return 'in';
}

/** A moderated message: either still there with no log entry, or removed with exactly one entry holding its text. */
async function moderationState(i: number): Promise<'there' | 'removed'> {
  const m = s.messages[i]!;
  const history = (await as(s.fac).get(`/api/channels/${s.general}/messages?limit=100`)).body.messages;
  const shown = history.find((h: { id: string }) => h.id === m.id);
  const entries = (await as(s.fac).get(`/api/spaces/${s.spaceId}/moderation`)).body.entries.filter((e: { messageId: string }) => e.messageId === m.id);
  if (!shown.deleted) {
    expect({ text: shown.text, entries: entries.length }).toEqual({ text: m.text, entries: 0 });
    return 'there';
  }
  expect(entries.map((e: { text: string; reason: string; actor: { id: string } }) => [e.text, e.reason, e.actor.id])).toEqual([[m.text, 'not kind', s.fac.id]]);
  return 'removed';
}

/** A comment a facilitator removes: either still there with no log entry, or gone with exactly one entry holding its text. */
async function commentState(i: number): Promise<'there' | 'removed'> {
  const c = s.comments[i]!;
  const threads = (await as(s.fac).get(`/api/docs/${s.docId}/threads`)).body.threads as { id: string; comments: { id: string; text: string }[] }[];
  const shown = threads.find((t) => t.id === c.threadId)?.comments.find((x) => x.id === c.commentId);
  const entries = (await as(s.fac).get(`/api/spaces/${s.spaceId}/moderation`)).body.entries.filter((e: { messageId: string }) => e.messageId === c.threadId);
  if (shown) {
    expect({ text: shown.text, entries: entries.length }).toEqual({ text: c.text, entries: 0 });
    return 'there';
  }
  // The thread of a removed reply stays, with its question.
  if (i === 0) expect(threads.find((t) => t.id === c.threadId)?.comments.map((x) => x.text)).toEqual(['A fair question']);
  expect(entries.map((e: { text: string; action: string; actor: { id: string }; docId: string }) => [e.text, e.action, e.actor.id, e.docId])).toEqual([[c.text, 'comment.delete', s.fac.id, s.docId]]);
  // Audited once, whoever made the entry final (the request, or the repair after a crash).
  const trail = (await as(s.fac).get(`/api/spaces/${s.spaceId}/audit?action=comment.moderated`)).body.entries.filter((e: { target: { id: string } }) => e.target.id === c.commentId);
  expect(trail.map((e: { actor: { id: string } }) => e.actor.id)).toEqual([s.fac.id]);
  return 'removed';
}

/** The facilitator's spaces named `name`: each with them as facilitator and a `general` channel. */
async function spacesNamed(name: string): Promise<number> {
  const mine = (await as(s.fac).get('/api/spaces')).body.spaces.filter((x: { name: string }) => x.name === name);
  for (const space of mine) {
    expect(space.role).toBe('facilitator');
    const channels = (await as(s.fac).get(`/api/spaces/${space.id}/channels`)).body.channels;
    expect(channels.map((c: { name: string }) => c.name)).toContain('general');
  }
  return mine.length;
}

/**
 * Nothing half-made after the crash at each point so far. The repair at start rolls forward, so each
 * cut-short action shows as done (the stronger of the two consistent outcomes).
 */
async function expectWhole(upTo: number): Promise<void> {
  const done = POINTS.slice(0, upTo + 1);
  for (const [i, p] of (['join.approve:after-claim', 'join.approve:after-membership'] as const).entries()) if (done.includes(p)) expect(await joinState(i)).toBe('approved');
  for (const [i, p] of (['invite.accept:after-seat', 'invite.accept:after-membership'] as const).entries()) if (done.includes(p)) expect(await inviteState(i)).toBe('in');
  for (const [i, p] of (['moderation:after-log', 'moderation:after-removal'] as const).entries()) if (done.includes(p)) expect(await moderationState(i)).toBe('removed');
  for (const [i, p] of (['comment.moderation:after-log', 'comment.moderation:after-removal'] as const).entries()) if (done.includes(p)) expect(await commentState(i)).toBe('removed');
  for (const [i, p] of (['space.create:after-space', 'space.create:after-membership', 'space.create:after-channel'] as const).entries()) {
    if (done.includes(p)) expect(await spacesNamed(`Crash space ${i + 1}`)).toBe(1);
  }
}

describe(`SIGKILL between the steps of each multi-step write (${storeEnv.MONGODB_URI ? 'MongoDB' : 'embedded store'})`, () => {
  it('sets up people, a listed space, invites, join requests and messages', { timeout: 60_000 }, async () => {
    await start(POINTS[0]);
    expect((await (await fetch(`${child!.url}/healthz`)).json()).store).toBe(storeEnv.MONGODB_URI ? 'mongodb' : 'embedded');
    await setup();
    // Before any crash, every action is still to do.
    expect([await joinState(0), await joinState(1), await inviteState(0), await inviteState(1), await moderationState(0), await moderationState(1), await commentState(0), await commentState(1)]).toEqual([
      'pending',
      'pending',
      'out',
      'out',
      'there',
      'there',
      'there',
      'there',
    ]);
  });

  for (const [k, point] of POINTS.entries()) {
    it(`crash at ${point}: after a restart nothing is half-made`, { timeout: 60_000 }, async () => {
      await actUntilDeath(ACTS[point]);
      await start(POINTS[k + 1] ?? '');
      await expectWhole(k);
    });
  }

  it('every action retried by its user succeeds, and the store holds no marker', { timeout: 60_000 }, async () => {
    for (const i of [0, 1]) {
      const again = await as(s.fac).post(`/api/spaces/${s.spaceId}/join-requests/${s.requests[i]}/approve`);
      // Still pending: approving works; already approved by the repair: deciding twice stays 409.
      expect(again.status).toBe((await joinState(i)) === 'pending' ? 200 : 409);
      expect(await joinState(i)).toBe('approved');
      const accepted = await as(s.joiners[i]!).post(`/api/invites/${s.invites[i]}/accept`);
      expect(accepted.status).toBe(200);
      expect(await inviteState(i)).toBe('in');
      const socket = await connectSocket(child!.url, s.fac.cookie);
      expect(data(await call(socket, 'message:delete', { messageId: s.messages[i]!.id, reason: 'not kind' }))).toEqual({ messageId: s.messages[i]!.id });
      expect(await moderationState(i)).toBe('removed');
      // The crash's repair removed the comment: removing it again finds nothing, and the log keeps one entry.
      expect((await removeComment(i)).status).toBe(404);
      expect(await commentState(i)).toBe('removed');
    }
    // The seat each joiner took was taken once: nobody else gets in through the one-use invites.
    const late = await signupUser(child!.url, 'Late Comer');
    for (const code of s.invites) expect((await late.client.post(`/api/invites/${code}/accept`)).status).toBe(410);
    expect((await as(s.fac).post('/api/spaces', { name: 'Crash space 1', kind: 'plc' })).status).toBe(201);
    expect(await spacesNamed('Crash space 1')).toBe(2);
    closeSockets();

    await child!.kill('SIGTERM');
    child = null;
    await sleep(50);
    const store = await openTestStore(dataDir);
    try {
      expect(await store.collection('spaces').count({ creating: { $exists: true } })).toBe(0);
      expect(await store.collection('joinRequests').count({ approving: { $exists: true } })).toBe(0);
      expect(await store.collection('moderationLog').count({ pending: true })).toBe(0);
      const invites = await store.collection<{ _id: string; joining?: string[] }>('invites').find({});
      expect(invites.flatMap((v) => v.joining ?? [])).toEqual([]);
      // Every space has a facilitator and its `general` channel.
      for (const space of await store.collection('spaces').find({})) {
        expect(await store.collection('memberships').count({ spaceId: space._id, role: 'facilitator' })).toBeGreaterThan(0);
        expect(await store.collection('channels').count({ spaceId: space._id, name: 'general' })).toBe(1);
      }
    } finally {
      await store.close();
    }
  });
});
