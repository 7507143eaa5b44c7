/**
 * Deleting a space (issue 16) over real HTTP, Socket.IO and the Yjs endpoint: typing its name confirms;
 * it is hidden and refused at once and its live connections end; a facilitator of it or an administrator
 * restores it within 30 days with everything back; after 30 days (clock faked) the sweep at the next
 * start erases every record of it from every collection, checked in the store itself; the audit trail
 * keeps that it was deleted, restored and erased. Publications it made stay in the library (by design).
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SQLITE_FILE } from '../../server/store/embedded';
import { call, cid, closeSockets, connectSocket, data } from '../helpers/chat';
import { ApiClient, signupUser, startServer, type TestServer } from '../helpers/server';
import { exportSpace, populatedSpace } from '../helpers/space-data';
import { eventually } from '../helpers/wait';

const ADMIN = `admin.${process.pid}.${Date.now()}@district.test`;
const env = { ADMIN_EMAILS: ADMIN };
let srv: TestServer;
let clock = Date.now();
const DAY = 24 * 3600_000;

beforeAll(async () => {
  srv = await startServer({ env, now: () => clock });
});
afterAll(async () => {
  closeSockets();
  await srv?.close();
});

async function signIn(email: string, password: string) {
  const c = new ApiClient(srv.url);
  expect((await c.post('/api/auth/login', { email, password })).status).toBe(200);
  return c;
}

describe('deleting a space', () => {
  let s: Awaited<ReturnType<typeof populatedSpace>>;
  let admin: ApiClient;
  let stranger: Awaited<ReturnType<typeof signupUser>>;
  let docIds: string[] = [];
  let publicationId = '';
  let exportId = '';
  let before: { docs: unknown; messages: unknown; markdown: unknown; sessions: unknown; members: unknown };
  const snapshot = async (c: ApiClient) => ({
    // A document's updatedAt moves when its room's last edits are stored, whenever that is: not compared.
    docs: (await c.get(`/api/spaces/${s.spaceId}/docs`)).body.docs.map(({ updatedAt: _, ...d }: { updatedAt: string; id: string }) => d).sort((a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id)),
    messages: (await c.get(`/api/channels/${s.general}/messages?limit=100`)).body,
    markdown: (await c.get(`/api/docs/${s.lesson}/export?format=markdown`)).body,
    sessions: (await c.get(`/api/spaces/${s.spaceId}/sessions`)).body,
    members: (await c.get(`/api/spaces/${s.spaceId}/members`)).body,
  });
  /** Logins end after SESSION_TTL_HOURS of the faked clock: everyone logs in again. */
  const signInAgain = async () => {
    s.fac.client = await signIn(s.fac.user.email, s.fac.password);
    s.member.client = await signIn(s.member.user.email, s.member.password);
    admin = await signIn(ADMIN, 'correct horse battery');
  };
  const del = (c: ApiClient, confirmName: string) => c.post(`/api/spaces/${s.spaceId}/delete`, { confirmName });

  beforeAll(async () => {
    s = await populatedSpace(srv.url);
    admin = new ApiClient(srv.url);
    expect((await admin.post('/api/auth/signup', { email: ADMIN, password: 'correct horse battery', name: 'Ada Admin' })).status).toBe(201);
    stranger = await signupUser(srv.url, 'Stranger');
    // Listed, with a join request; a publication in the library; a names-to-watch list; an export.
    expect((await s.fac.client.patch(`/api/spaces/${s.spaceId}`, { visibility: 'listed' })).status).toBe(200);
    expect((await stranger.client.post(`/api/spaces/${s.spaceId}/join-requests`, { message: 'May I join?' })).status).toBe(201);
    const pub = { summary: 'A fractions lesson', subjects: ['Math'], grades: ['4'], license: 'CC-BY-4.0' };
    let published = await s.member.client.post(`/api/docs/${s.lesson}/publish`, pub);
    if (published.status === 409) published = await s.member.client.post(`/api/docs/${s.lesson}/publish`, { ...pub, confirmStudentInfo: 'Template text only' });
    expect(published.status).toBe(201);
    publicationId = published.body.publication.id;
    expect((await s.fac.client.request('PUT', `/api/spaces/${s.spaceId}/names-to-watch`, { names: ['Jamie Student'] })).status).toBe(200);
    exportId = (await exportSpace(s.fac.client, s.spaceId)).id;
    // A named version: its state is kept in chunks of its own (docVersionBlobs), which the erase must find.
    expect((await s.fac.client.post(`/api/docs/${s.lesson}/versions`, { name: 'Before the erase' })).status).toBe(201);
    docIds = (await s.fac.client.get(`/api/spaces/${s.spaceId}/docs`)).body.docs.map((d: { id: string }) => d.id);
    // A mention for the member: an unread notification in the bell.
    const socket = await connectSocket(srv.url, s.fac.client.cookie);
    data(await call(socket, 'message:send', { channelId: s.general, text: 'Could @Mo Member check the lesson?', clientMsgId: cid() }));
    const bell = await eventually(() => s.member.client.get('/api/notifications'), (r) => r.body.notifications.some((n: { spaceId: string }) => n.spaceId === s.spaceId));
    expect(bell.body.unread).toBeGreaterThan(0);
    before = await snapshot(s.member.client);
  });

  it('asks for the name and is for facilitators only', async () => {
    expect((await del(s.member.client, 'whatever')).body.error.code).toBe('forbidden');
    expect((await del(stranger.client, 'whatever')).body.error.code).toBe('forbidden');
    const wrong = await del(s.fac.client, 'not the name');
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.fields[0].field).toBe('confirmName');
    expect((await s.fac.client.get(`/api/spaces/${s.spaceId}`)).status).toBe(200);
  });

  it('hides the space at once, refuses all access and ends live connections', async () => {
    const name = (await s.fac.client.get(`/api/spaces/${s.spaceId}`)).body.space.name as string;
    const socket = await connectSocket(srv.url, s.member.client.cookie);
    data(await call(socket, 'space:join', { spaceId: s.spaceId }));
    const yjs = new WebSocket(`${srv.wsUrl}/yjs/${s.lesson}`, { headers: { cookie: s.member.client.cookie } });
    await new Promise((resolve, reject) => yjs.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => yjs.once('close', (code) => resolve(code)));

    const res = await del(s.fac.client, `  ${name.toUpperCase()} `);
    expect(res.status).toBe(200);
    expect(res.body.deleted).toMatchObject({ id: s.spaceId, name, deletedBy: { id: s.fac.user.id } });
    expect(Date.parse(res.body.deleted.eraseAt) - Date.parse(res.body.deleted.deletedAt)).toBe(30 * DAY);
    expect(await closed).toBe(4403);

    for (const c of [s.fac.client, s.member.client]) {
      expect((await c.get('/api/spaces')).body.spaces.map((x: { id: string }) => x.id)).not.toContain(s.spaceId);
      for (const url of [`/api/spaces/${s.spaceId}`, `/api/spaces/${s.spaceId}/docs`, `/api/docs/${s.lesson}`, `/api/docs/${s.lesson}/export?format=markdown`, `/api/channels/${s.general}/messages`, `/api/sessions/${s.session}`, `/api/spaces/${s.spaceId}/exports`]) {
        expect((await c.get(url)).status, url).toBe(404);
      }
    }
    expect(JSON.stringify((await s.member.client.get('/api/unread')).body)).not.toContain(s.spaceId);
    // Its notifications leave the bell, badge included (until a restore brings them back).
    const bell = await s.member.client.get('/api/notifications');
    expect(bell.body.notifications.map((n: { spaceId: string }) => n.spaceId)).not.toContain(s.spaceId);
    expect(bell.body.unread).toBe(0);
    expect((await stranger.client.get('/api/directory')).body.spaces.map((x: { id: string }) => x.id)).not.toContain(s.spaceId);
    expect((await stranger.client.post(`/api/invites/${s.invite}/accept`)).status).toBe(404);
    expect(((await call(socket, 'space:join', { spaceId: s.spaceId })) as { error?: { code: string } }).error?.code).toBe('not_found');
    expect((await del(s.fac.client, name)).status).toBe(404);
  });

  it('lists it for its facilitators and administrators, and lets only them restore it', async () => {
    expect((await s.fac.client.get('/api/deleted-spaces')).body.spaces.map((x: { id: string }) => x.id)).toEqual([s.spaceId]);
    expect((await s.member.client.get('/api/deleted-spaces')).body.spaces).toEqual([]);
    expect((await admin.get('/api/admin/deleted-spaces')).body.spaces.map((x: { id: string }) => x.id)).toContain(s.spaceId);
    expect((await s.fac.client.get('/api/admin/deleted-spaces')).status).toBe(403);
    expect((await s.member.client.post(`/api/spaces/${s.spaceId}/restore`)).body.error.code).toBe('forbidden');
    expect((await stranger.client.post(`/api/spaces/${s.spaceId}/restore`)).body.error.code).toBe('not_found');

    clock += 29 * DAY;
    await signInAgain();
    const restored = await s.fac.client.post(`/api/spaces/${s.spaceId}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ space: { id: s.spaceId }, role: 'facilitator' });
    expect(await snapshot(s.member.client)).toEqual(before);
    const bell = await s.member.client.get('/api/notifications');
    expect(bell.body.notifications.map((n: { spaceId: string }) => n.spaceId)).toContain(s.spaceId);
    expect(bell.body.unread).toBeGreaterThan(0);
    expect((await s.fac.client.get('/api/deleted-spaces')).body.spaces).toEqual([]);

    // An administrator who is not a member restores it too.
    expect((await del(s.fac.client, restored.body.space.name)).status).toBe(200);
    expect((await admin.post(`/api/spaces/${s.spaceId}/restore`)).status).toBe(200);
    expect(await snapshot(s.member.client)).toEqual(before);
  });

  it('is erased from every collection after 30 days; the audit trail and its publications remain', async () => {
    const name = (await s.fac.client.get(`/api/spaces/${s.spaceId}`)).body.space.name as string;
    expect((await del(s.fac.client, name)).status).toBe(200);
    clock += 30 * DAY + 60_000;
    await signInAgain();
    expect((await s.fac.client.post(`/api/spaces/${s.spaceId}/restore`)).status).toBe(404);
    expect((await s.fac.client.get('/api/deleted-spaces')).body.spaces).toEqual([]);
    expect((await admin.get('/api/admin/deleted-spaces')).body.spaces.map((x: { id: string }) => x.id)).not.toContain(s.spaceId);

    // The sweep runs at start (then hourly, once per cluster).
    const dataDir = srv.dataDir;
    await srv.close({ keepData: true });
    srv = await startServer({ dataDir, env, now: () => clock });
    // The space record goes first, then the audit entry saying so: wait for the last step.
    for (let i = 0; i < 100 && !(await srv.store.collection('audit').findOne({ spaceId: s.spaceId, action: 'space.erased' })); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await srv.store.collection('spaces').findOne({ _id: s.spaceId })).toBeNull();

    const bySpace = ['memberships', 'invites', 'joinRequests', 'docs', 'threads', 'messages', 'channels', 'channelReads', 'notifications', 'moderationLog', 'liveSessions', 'sessionVotes', 'sessionDecisions', 'actionItems', 'libraryModeration', 'libraryRemixes', 'spaceExports'];
    for (const c of bySpace) expect(await srv.store.collection(c).count({ spaceId: s.spaceId }), c).toBe(0);
    for (const c of ['docVersions', 'docVersionStates', 'docUpdates', 'docSnapshots']) expect(await srv.store.collection(c).count({ docId: { $in: docIds } }), c).toBe(0);
    // The chunked states (snapshots, versions): nothing of them is left in any of their collections.
    for (const c of ['docStates', 'docStatesChunks', 'docStatesGens', 'docStatesPending', 'docVersionBlobs', 'docVersionBlobsChunks', 'docVersionBlobsGens', 'docVersionBlobsPending']) {
      expect(await srv.store.collection(c).count({}), c).toBe(0);
    }
    expect(await srv.store.collection('docOwners').count({ _id: { $in: docIds } })).toBe(0);
    expect(await srv.store.collection('spaceNorms').count({ _id: s.spaceId })).toBe(0);
    expect(await srv.store.collection('namesToWatch').count({ _id: s.spaceId })).toBe(0);
    expect(await srv.store.collection('spaceExportChunks').count({ exportId })).toBe(0);

    if (srv.store.kind === 'embedded') {
      // Every table of the file, not only the ones named above: only the audit trail and the library's
      // publication record still name the space or its documents.
      const db = new Database(path.join(dataDir, SQLITE_FILE), { readonly: true });
      try {
        const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((t) => t.name);
        const ids = [s.spaceId, ...docIds, s.session, s.thread, s.channel, s.general, s.invite, s.messageId];
        const left = tables.flatMap((t) => {
          const cols = (db.prepare(`PRAGMA table_info("${t}")`).all() as { name: string }[]).map((c) => c.name);
          if (!cols.includes('doc')) return [];
          return ids.flatMap((id) => ((db.prepare(`SELECT count(*) AS n FROM "${t}" WHERE _id LIKE ? OR doc LIKE ?`).get(`%${id}%`, `%${id}%`) as { n: number }).n ? [`${t}: ${id}`] : []));
        });
        expect(left.filter((l) => !l.startsWith('audit:') && !l.startsWith('publications:'))).toEqual([]);
        // The scan does find what is kept, so an empty result above means something.
        expect(left).toEqual(expect.arrayContaining([`audit: ${s.spaceId}`, `publications: ${s.spaceId}`]));
      } finally {
        db.close();
      }
    }

    const trail = (await srv.store.collection<{ _id: string; action: string; spaceId: string }>('audit').find({ spaceId: s.spaceId }, { sort: { _id: 1 } })).map((e) => e.action);
    expect(trail.filter((a) => a.startsWith('space.') && a !== 'space.exported')).toEqual(['space.deleted', 'space.restored', 'space.deleted', 'space.restored', 'space.deleted', 'space.erased']);
    const reader = await signIn(stranger.user.email, stranger.password);
    expect((await reader.get(`/api/library/${publicationId}`)).status).toBe(200);
  });
});
