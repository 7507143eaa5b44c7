/**
 * Session planning over real HTTP: creating from protocols or own steps, norms, roles and their suggested
 * rotation, decisions and action items (filters, done, carried into the next session of a series), the
 * summary and its Markdown export, and the errors for bad input and outsiders.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/events';
import { PROTOCOLS } from '../../shared/protocols';
import { ApiClient, signupUser, startServer, type ApiResponse, type TestServer } from '../helpers/server';
import { eventually } from '../helpers/wait';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
type U = Awaited<ReturnType<typeof signupUser>>;

const DAY = 86_400_000;
let clock = Date.UTC(2026, 10, 23, 15, 0, 0);
const now = () => clock;

let srv: TestServer;
let fac: U, mem: U, mem2: U, gst: U, stranger: U;
let anon: ApiClient;
let spaceId: string;
const sockets: Client[] = [];

function expectError(res: ApiResponse, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error.code).toBe(code);
}

async function addVia(who: ApiClient, role: string) {
  clock += 1000; // join order decides the role rotation
  const inv = await fac.client.post(`/api/spaces/${spaceId}/invites`, { role });
  expect((await who.post(`/api/invites/${inv.body.invite.code}/accept`)).status).toBe(200);
}

async function open(client: ApiClient): Promise<Client> {
  const s: Client = connect(srv.url, { transports: ['websocket'], extraHeaders: { cookie: client.cookie }, forceNew: true, reconnection: false });
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('connect_error', reject);
  });
  return s;
}

function call(s: Client, event: keyof ClientToServerEvents, payload: unknown): Promise<any> {
  return new Promise((resolve) => (s.emit as (...a: unknown[]) => void)(event, payload, resolve));
}

beforeAll(async () => {
  srv = await startServer({ now });
  [fac, mem, mem2, gst, stranger] = await Promise.all([signupUser(srv.url, 'Facilitator'), signupUser(srv.url, 'Maria'), signupUser(srv.url, 'Sam'), signupUser(srv.url, 'Guest'), signupUser(srv.url, 'Stranger')]);
  anon = new ApiClient(srv.url);
  spaceId = (await fac.client.post('/api/spaces', { name: 'Grade 7 science PLC', kind: 'plc' })).body.space.id;
  await addVia(mem.client, 'member');
  await addVia(mem2.client, 'member');
  await addVia(gst.client, 'guest');
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await srv?.close();
});

describe('protocols and creating sessions', () => {
  it('lists the protocol templates, each with timed, prompted steps', async () => {
    const res = await mem.client.get('/api/protocols');
    expect(res.status).toBe(200);
    const names = res.body.protocols.map((p: { name: string }) => p.name);
    expect(names).toEqual([
      'PLC data meeting (the four PLC questions)',
      'Tuning protocol',
      'Consultancy',
      'Lesson-study debrief',
      'Looking at student work',
    ]);
    for (const p of PROTOCOLS) for (const s of p.steps) expect(s.prompt.length).toBeGreaterThan(10);
  });

  it('creates a session from a template (facilitators only) and answers the contract shape', async () => {
    const res = await fac.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'Tuning: unit 2 lab report', protocol: 'tuning' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const s = res.body.session;
    expect(s).toMatchObject({ spaceId, title: 'Tuning: unit 2 lab report', protocolId: 'tuning', seriesSeq: 1 });
    expect(s.steps[4]).toMatchObject({ title: 'Warm and cool feedback', minutes: 15, speaking: 'presenter-silent' });
    expect(s.state).toMatchObject({ sessionId: s.id, status: 'planned', stepIndex: 0, version: 0, stepEndsAt: null });

    const list = await gst.client.get(`/api/spaces/${spaceId}/sessions`);
    expect(list.status).toBe(200);
    expect(list.body.sessions.find((x: { id: string }) => x.id === s.id)).toMatchObject({ status: 'planned', stepCount: 7, totalMinutes: 55 });

    expectError(await mem.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'X', protocol: 'tuning' }), 403, 'forbidden');
    expectError(await gst.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'X', protocol: 'tuning' }), 403, 'forbidden');
    expectError(await stranger.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'X', protocol: 'tuning' }), 404, 'not_found');
    expectError(await anon.post(`/api/spaces/${spaceId}/sessions`, { title: 'X', protocol: 'tuning' }), 401, 'authentication_required');
    expectError(await stranger.client.get(`/api/sessions/${s.id}`), 404, 'not_found');
    expectError(await stranger.client.get(`/api/sessions/${s.id}/summary`), 404, 'not_found');
    expectError(await stranger.client.get(`/api/spaces/${spaceId}/sessions`), 404, 'not_found');
  });

  it('creates a meeting-notes document for the session, a section per step; notesDocId null opts out', async () => {
    const steps = [
      { title: 'Look at the data', minutes: 10, prompt: 'Which students met the target?', speaking: 'go-round' },
      { title: 'Plan the reteach', minutes: 15 },
    ];
    const res = await fac.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'Unit 3 data meeting', steps });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const notesDocId = res.body.session.notesDocId;
    expect(notesDocId).toEqual(expect.any(String));

    const doc = await mem.client.get(`/api/docs/${notesDocId}`);
    expect(doc.status, JSON.stringify(doc.body)).toBe(200);
    expect(doc.body.doc).toMatchObject({ spaceId, title: 'Unit 3 data meeting — notes', template: 'meeting-notes' });
    const md = await mem.client.get(`/api/docs/${notesDocId}/export?format=markdown`);
    expect(md.status).toBe(200);
    const text = String(md.body);
    const order = ['## Agenda', '1. Look at the data (10 min)', '## Norms', '## Step 1: Look at the data', 'Which students met the target? — Go-round: each person in turn · 10 min', '## Step 2: Plan the reteach', '## Decisions', '## Action items'].map((line) => {
      expect(text, line).toContain(line);
      return text.indexOf(line);
    });
    expect(order).toEqual([...order].sort((a, b) => a - b));

    const none = await fac.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'No notes', steps, notesDocId: null });
    expect(none.body.session.notesDocId).toBeNull();
    const titles = (await fac.client.get(`/api/spaces/${spaceId}/docs`)).body.docs.map((d: { title: string }) => d.title);
    expect(titles).toContain('Unit 3 data meeting — notes');
    expect(titles).not.toContain('No notes — notes');

    // Renaming the session renames its notes document; a title chosen by hand is kept.
    const renamed = await fac.client.patch(`/api/sessions/${res.body.session.id}`, { title: 'Unit 3 data meeting (moved)' });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect((await mem.client.get(`/api/docs/${notesDocId}`)).body.doc.title).toBe('Unit 3 data meeting (moved) — notes');
    expect((await fac.client.patch(`/api/docs/${notesDocId}`, { title: 'Our notes' })).status).toBe(200);
    await fac.client.patch(`/api/sessions/${res.body.session.id}`, { title: 'Unit 3 data meeting' });
    expect((await mem.client.get(`/api/docs/${notesDocId}`)).body.doc.title).toBe('Our notes');
  });

  it('writes decisions and new action items into the notes document, under its own headings', async () => {
    // A space of its own, so these items stay out of the action-item lists the series tests count.
    const own = (await fac.client.post('/api/spaces', { name: 'Notes writing PLC', kind: 'plc' })).body.space.id;
    const res = await fac.client.post(`/api/spaces/${own}/sessions`, { title: 'Unit 4 data meeting', steps: [{ title: 'Look at the data', minutes: 10 }] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const sid = res.body.session.id;
    const notesDocId = res.body.session.notesDocId;
    expect((await fac.client.post(`/api/sessions/${sid}/decisions`, { text: 'Reteach fractions on Monday' })).status).toBe(201);
    expect((await fac.client.post(`/api/sessions/${sid}/action-items`, { text: 'Group the students', ownerId: fac.user.id, dueDate: '2026-12-01' })).status).toBe(201);
    expect((await fac.client.post(`/api/sessions/${sid}/action-items`, { text: 'Print the exit tickets' })).status).toBe(201);
    // The notes are written after each answer (fire-and-forget): wait until all three are in.
    const exportNotes = async () => String((await fac.client.get(`/api/docs/${notesDocId}/export?format=markdown`)).body);
    let notes = await eventually(exportNotes, (md) => ['Reteach fractions on Monday', 'Group the students', 'Print the exit tickets'].every((t) => md.includes(t)));
    const section = (name: string) => {
      const from = notes.indexOf(`## ${name}\n`);
      expect(from, name).toBeGreaterThanOrEqual(0);
      const to = notes.indexOf('\n## ', from + 1);
      return notes.slice(from, to < 0 ? undefined : to);
    };
    expect(section('Decisions')).toContain('- Reteach fractions on Monday');
    expect(section('Decisions')).not.toMatch(/^- *$/m); // the template's empty bullet was filled, not kept
    expect(section('Action items')).toContain('- [ ] Group the students (Facilitator, due 2026-12-01)');
    expect(section('Action items')).toContain('- [ ] Print the exit tickets');
    expect(section('Action items')).not.toMatch(/^- \[ \] *$/m);
    expect(section('Step 1: Look at the data')).not.toContain('Reteach fractions');

    // Ticking an action item done ticks its line in the notes too.
    const items = (await fac.client.get(`/api/spaces/${own}/action-items`)).body.actionItems as { id: string; text: string }[];
    const group = items.find((a) => a.text === 'Group the students')!;
    expect((await fac.client.patch(`/api/action-items/${group.id}`, { done: true })).status).toBe(200);
    notes = await eventually(exportNotes, (md) => md.includes('- [x] Group the students'));
    expect(section('Action items')).toContain('- [x] Group the students (Facilitator, due 2026-12-01)');
    expect(section('Action items')).toContain('- [ ] Print the exit tickets');
  });

  it('sessions created at the same moment in one series get distinct numbers; the list links their notes', async () => {
    const steps = [{ title: 'Check in', minutes: 5 }];
    const first = (await fac.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'Weekly PLC', steps })).body.session;
    const made = await Promise.all(
      [1, 2, 3, 4].map((i) => fac.client.post(`/api/spaces/${spaceId}/sessions`, { title: `Weekly PLC ${i}`, steps, seriesId: first.seriesId })),
    );
    for (const r of made) expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(made.map((r) => r.body.session.seriesSeq).sort()).toEqual([2, 3, 4, 5]);
    const rows = (await mem.client.get(`/api/spaces/${spaceId}/sessions`)).body.sessions.filter((x: { seriesId: string }) => x.seriesId === first.seriesId);
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row.notesDocId).toEqual(expect.any(String));
    expect(rows.find((x: { id: string }) => x.id === first.id).notesDocId).toBe(first.notesDocId);
  });

  it('refuses bad bodies with invalid_payload naming the field', async () => {
    const post = (body: unknown) => fac.client.post(`/api/spaces/${spaceId}/sessions`, body);
    const unknown = await post({ title: 'X', protocol: 'no-such-protocol' });
    expectError(unknown, 400, 'invalid_payload');
    expect(unknown.body.error.message).toMatch(/Unknown protocol/);
    expectError(await post({ title: 'X' }), 400, 'invalid_payload');
    expectError(await post({ title: 'X', protocol: 'tuning', steps: [{ title: 'A', minutes: 5 }] }), 400, 'invalid_payload');
    expectError(await post({ title: 'X', steps: [] }), 400, 'invalid_payload');
    for (const minutes of [-1, 0, 10_000, '5']) expectError(await post({ title: 'X', steps: [{ title: 'A', minutes }] }), 400, 'invalid_payload');
    expectError(await post({ title: '', steps: [{ title: 'A', minutes: 5 }] }), 400, 'invalid_payload');
    expectError(await post({ title: 'X', steps: [{ title: 'A', minutes: 5 }], seriesId: 'nosuchseries' }), 400, 'invalid_payload');
    expectError(await post({ title: 'X', steps: [{ title: 'A', minutes: 5 }], roles: { timekeeper: stranger.user.id } }), 400, 'invalid_payload');
    expectError(await post({ title: 'X', steps: [{ title: 'A', minutes: 5 }], extra: 1 }), 400, 'invalid_payload');
  });
});

describe('norms', () => {
  it('facilitators edit the space norms; everyone sees them pinned in the session state', async () => {
    expect((await mem.client.get(`/api/spaces/${spaceId}/norms`)).body).toEqual({ norms: [] });
    const norms = ['Start and end on time', 'Assume positive intent', 'Student data stays in the room'];
    expectError(await mem.client.request('PUT', `/api/spaces/${spaceId}/norms`, { norms }), 403, 'forbidden');
    expectError(await fac.client.request('PUT', `/api/spaces/${spaceId}/norms`, { norms: [''] }), 400, 'invalid_payload');
    const put = await fac.client.request('PUT', `/api/spaces/${spaceId}/norms`, { norms });
    expect(put.status).toBe(200);
    expect((await gst.client.get(`/api/spaces/${spaceId}/norms`)).body.norms).toEqual(norms);
    const s = await fac.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'Norms check', steps: [{ title: 'A', minutes: 5 }] });
    expect(s.body.session.state.norms).toEqual(norms);

    // A session in progress gets the edited norms pushed to its room.
    const f = await open(fac.client);
    const m = await open(mem.client);
    await call(m, 'session:join', { sessionId: s.body.session.id });
    const started = (await call(f, 'session:control', { sessionId: s.body.session.id, action: 'start' })).data.state;
    const pushed = new Promise<any>((resolve) => m.on('session:state', ({ state }) => state.rev > started.rev && resolve(state)));
    await fac.client.request('PUT', `/api/spaces/${spaceId}/norms`, { norms: [...norms, 'Phones away'] });
    const state = await pushed;
    expect(state.norms).toEqual([...norms, 'Phones away']);
    expect(state.version).toBe(started.version); // not a timer change
    await fac.client.request('PUT', `/api/spaces/${spaceId}/norms`, { norms });
  });
});

describe('a series: roles rotation, decisions, action items carried forward, summary', () => {
  let firstId: string;
  let seriesId: string;

  it('records decisions and action items, broadcast to the live room', async () => {
    const res = await fac.client.post(`/api/spaces/${spaceId}/sessions`, {
      title: 'Data meeting: unit 1 test',
      protocol: 'plc-data-meeting',
      roles: { facilitator: fac.user.id, timekeeper: mem.user.id, noteTaker: mem2.user.id },
    });
    expect(res.status).toBe(201);
    firstId = res.body.session.id;
    seriesId = res.body.session.seriesId;

    const f = await open(fac.client);
    const m = await open(mem.client);
    expect((await call(m, 'session:join', { sessionId: firstId })).data).toBeTruthy();
    expect((await call(f, 'session:join', { sessionId: firstId })).data).toBeTruthy();
    expect((await call(f, 'session:control', { sessionId: firstId, action: 'start' })).data.state.status).toBe('running');

    const decided = new Promise<any>((resolve) => m.once('session:decision', resolve));
    const d = await fac.client.post(`/api/sessions/${firstId}/decisions`, { text: 'Reteach target 3 | ratios (with visuals)' });
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    expect((await decided).decision.id).toBe(d.body.decision.id);
    expectError(await gst.client.post(`/api/sessions/${firstId}/decisions`, { text: 'x' }), 403, 'forbidden');

    const item = new Promise<any>((resolve) => f.once('session:actionItem', resolve));
    const today = new Date(clock).toISOString().slice(0, 10);
    const yesterday = new Date(clock - DAY).toISOString().slice(0, 10);
    const nextWeek = new Date(clock + 7 * DAY).toISOString().slice(0, 10);
    const a1 = await mem.client.post(`/api/sessions/${firstId}/action-items`, { text: 'Build the reteach small groups', ownerId: mem.user.id, dueDate: yesterday });
    expect(a1.status, JSON.stringify(a1.body)).toBe(201);
    expect(a1.body.actionItem).toMatchObject({ text: 'Build the reteach small groups', owner: { id: mem.user.id, name: 'Maria' }, dueDate: yesterday, done: false, overdue: true });
    expect((await item).actionItem.id).toBe(a1.body.actionItem.id);
    const a2 = await fac.client.post(`/api/sessions/${firstId}/action-items`, { text: 'Write the extension task', ownerId: mem2.user.id, dueDate: nextWeek });
    const a3 = await fac.client.post(`/api/sessions/${firstId}/action-items`, { text: 'Share the common assessment', dueDate: today });
    expect(a3.body.actionItem.overdue).toBe(false);
    expectError(await gst.client.post(`/api/sessions/${firstId}/action-items`, { text: 'x' }), 403, 'forbidden');
    expectError(await fac.client.post(`/api/sessions/${firstId}/action-items`, { text: 'x', ownerId: stranger.user.id }), 400, 'invalid_payload');
    expectError(await fac.client.post(`/api/sessions/${firstId}/action-items`, { text: 'x', dueDate: '23/11/2026' }), 400, 'invalid_payload');

    // Filters.
    const list = async (who: U, filter?: string) =>
      (await who.client.get(`/api/spaces/${spaceId}/action-items${filter ? `?filter=${filter}` : ''}`)).body.actionItems.map((a: { text: string }) => a.text);
    expect(await list(mem, 'mine')).toEqual(['Build the reteach small groups']);
    expect(await list(fac, 'overdue')).toEqual(['Build the reteach small groups']);
    expect(await list(gst, 'open')).toEqual(['Build the reteach small groups', 'Share the common assessment', 'Write the extension task']);
    expectError(await fac.client.get(`/api/spaces/${spaceId}/action-items?filter=urgent`), 400, 'invalid_payload');

    // Mark one done; edit another.
    const done = await mem2.client.patch(`/api/action-items/${a2.body.actionItem.id}`, { done: true });
    expect(done.status).toBe(200);
    expect(done.body.actionItem).toMatchObject({ done: true, overdue: false });
    expect(done.body.actionItem.doneAt).toBe(new Date(clock).toISOString());
    const moved = await fac.client.patch(`/api/action-items/${a1.body.actionItem.id}`, { dueDate: nextWeek, text: 'Build the reteach groups' });
    expect(moved.body.actionItem).toMatchObject({ dueDate: nextWeek, overdue: false, text: 'Build the reteach groups' });
    expect(await list(fac, 'overdue')).toEqual([]);
    expect(await list(fac, 'open')).toEqual(['Share the common assessment', 'Build the reteach groups']);
    expectError(await gst.client.patch(`/api/action-items/${a1.body.actionItem.id}`, { done: true }), 403, 'forbidden');
    expectError(await stranger.client.patch(`/api/action-items/${a1.body.actionItem.id}`, { done: true }), 404, 'not_found');
    expectError(await fac.client.patch(`/api/action-items/${a1.body.actionItem.id}`, {}), 400, 'invalid_payload');
    expectError(await fac.client.patch('/api/action-items/nosuchitem', { done: true }), 404, 'not_found');

    // A vote, so the summary has one.
    const { vote } = (await call(f, 'vote:open', { sessionId: firstId, question: 'Ready to reteach?' })).data;
    await call(f, 'vote:cast', { voteId: vote.id, value: 5 });
    await call(m, 'vote:cast', { voteId: vote.id, value: 1 });
    await call(f, 'vote:close', { voteId: vote.id });
    expect((await call(f, 'session:control', { sessionId: firstId, action: 'end' })).data.state.status).toBe('ended');
  });

  it('the next session of the series carries the open action items and suggests rotated roles', async () => {
    clock += 7 * DAY;
    const res = await fac.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'Data meeting: unit 2 test', protocol: 'plc-data-meeting', seriesId });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.session).toMatchObject({ seriesId, seriesSeq: 2 });
    const detail = await mem.client.get(`/api/sessions/${res.body.session.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ role: 'member', canControl: false });
    expect(detail.body.carriedActionItems.map((a: { text: string }) => a.text).sort()).toEqual(['Build the reteach groups', 'Share the common assessment']);
    expect(detail.body.carriedActionItems.every((a: { sessionId: string; sessionTitle: string }) => a.sessionId === firstId && a.sessionTitle === 'Data meeting: unit 1 test')).toBe(true);
    // Members in join order (guests excluded): Facilitator, Maria, Sam. Each role moves to the next person;
    // the unassigned norm-keeper role goes to the person after its own position (4th role -> 2nd person).
    expect(detail.body.suggestedRoles).toEqual({ facilitator: mem.user.id, timekeeper: mem2.user.id, noteTaker: fac.user.id, normKeeper: mem.user.id });

    // Applying the suggestion is a PATCH; the assigned facilitator (a member) may then run the session.
    const patched = await fac.client.patch(`/api/sessions/${res.body.session.id}`, { roles: detail.body.suggestedRoles });
    expect(patched.status).toBe(200);
    expect((await mem.client.get(`/api/sessions/${res.body.session.id}`)).body.canControl).toBe(true);

    const summary = await fac.client.get(`/api/sessions/${res.body.session.id}/summary`);
    expect(summary.body.summary.carriedActionItems).toHaveLength(2);
    expect(summary.body.summary.attendance).toEqual([]);
  });

  it('links a meeting-notes document of the same space', async () => {
    const doc = await fac.client.post(`/api/spaces/${spaceId}/docs`, { title: 'Notes: unit 1 data meeting', template: 'meeting-notes' });
    expect(doc.status, JSON.stringify(doc.body)).toBe(201);
    expectError(await fac.client.patch(`/api/sessions/${firstId}`, { notesDocId: 'nosuchdoc' }), 400, 'invalid_payload');
    const res = await fac.client.patch(`/api/sessions/${firstId}`, { notesDocId: doc.body.doc.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.session.notesDocId).toBe(doc.body.doc.id);
  });

  it('exports the summary of the first session as Markdown', async () => {
    const res = await gst.client.get(`/api/sessions/${firstId}/summary?format=markdown`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename=".*summary\.md"/);
    const md: string = res.body;
    expect(md).toMatch(/^# Data meeting: unit 1 test\n/);
    expect(md).toContain('Protocol: PLC data meeting (the four PLC questions)');
    // The notes link is absolute (the request's origin here; PUBLIC_URL when set), so it works in the downloaded file.
    expect(md).toContain(`Notes: [Notes: unit 1 data meeting](${srv.url}/docs/`);
    expect(md).toContain('## Attendance\n\n- Maria (Member)\n- Facilitator (Facilitator)');
    expect(md).toContain('- Timekeeper: Maria');
    expect(md).toContain('1. Start and end on time');
    expect(md).toContain('| 1 | Norms and purpose | 3 min | 0 min |');
    // Steps are numbered once: the table's # column, not the protocol's own "1." in the title.
    expect(md).toContain('| 2 | What do we want students to learn? | 7 min | not reached |');
    expect(md).toContain('- Reteach target 3 \\| ratios (with visuals)');
    expect(md).toContain('- [ ] Build the reteach groups (owner: Maria, due ');
    expect(md).toContain('- [x] Write the extension task (owner: Sam, due ');
    expect(md).toContain('- [ ] Share the common assessment (no owner, due ');
    expect(md).toContain('## Fist to five');
    expect(md).toContain('Under three: Maria (1)');
    // The meeting notes themselves close the summary, their headings under "## Notes".
    const notesId = /Notes: \[[^\]]*\]\(https?:\/\/[^/]+\/docs\/([\w-]+)\)/.exec(md)![1]!;
    const notesMd: string = (await gst.client.get(`/api/docs/${notesId}/export?format=markdown`)).body;
    const heading = notesMd.split('\n').find((l) => l.startsWith('## '))!;
    expect(heading).toBeTruthy();
    const notesPart = md.slice(md.indexOf('\n## Notes\n'));
    expect(md.indexOf('\n## Notes\n')).toBeGreaterThan(md.indexOf('## Fist to five'));
    expect(notesPart).toContain(`\n##${heading}\n`);
    expect(notesPart).not.toContain('# Notes: unit 1 data meeting');

    const json = await fac.client.get(`/api/sessions/${firstId}/summary`);
    expect(json.body.summary).toMatchObject({ status: 'ended', session: { spaceName: 'Grade 7 science PLC', protocolId: 'plc-data-meeting' } });
    expect(json.body.summary.decisions).toHaveLength(1);
    expect(json.body.summary.actionItems).toHaveLength(3);
    expect(json.body.summary.votes[0]).toMatchObject({ count: 2, tally: { 1: 1, 5: 1 }, underThree: [{ userId: mem.user.id, value: 1 }] });
    expect(json.body.summary.notes).toMatchObject({ docId: notesId, title: 'Notes: unit 1 data meeting', truncated: false });
    expect(json.body.summary.notes.markdown).toContain(`##${heading}`);
    expectError(await fac.client.get(`/api/sessions/${firstId}/summary?format=pdf`), 400, 'invalid_payload');
  });
});
