/**
 * Exporting a whole space (issue 16) over real HTTP: the background job and its progress, the ZIP checked
 * file by file with the system's unzip (every document as Markdown, HTML and Yjs state, budgets as CSV,
 * the discussion as JSON and CSV, comment threads, session summaries, members and roles, README.txt),
 * a space large enough to need several stored chunks and paged message reads, who may export, the
 * audit entries, and expiry after 24 hours (clock faked).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ExportRecord } from '../../server/spacedata/jobs';
import type { ZipChunkRecord } from '../../server/spacedata/zip-store';
import { closeSockets, spaceWith } from '../helpers/chat';
import { ApiClient, signupUser, startServer, type TestServer } from '../helpers/server';
import { downloadZip, exportSpace, populatedSpace, zipEntries, zipRead } from '../helpers/space-data';

let srv: TestServer;
let clock = Date.now();

beforeAll(async () => {
  srv = await startServer({ now: () => clock });
});
afterAll(async () => {
  closeSockets();
  await srv?.close();
});

describe('space export', () => {
  let s: Awaited<ReturnType<typeof populatedSpace>>;
  let job: { id: string; status: string; percent: number; files: number; totalFiles: number; size: number; fileName: string; downloadUrl: string };
  let file = '';
  let entries: string[] = [];
  const text = (entry: string) => zipRead(file, entry).toString('utf8');

  beforeAll(async () => {
    s = await populatedSpace(srv.url);
    job = await exportSpace(s.fac.client, s.spaceId);
    ({ file } = await downloadZip(s.fac.client, job));
    entries = zipEntries(file);
  });

  it('runs in the background to done, with progress counted in files', () => {
    expect(job.status).toBe('done');
    expect(job.percent).toBe(100);
    expect(job.files).toBe(job.totalFiles);
    expect(job.totalFiles).toBe(entries.length);
    expect(job.size).toBeGreaterThan(0);
  });

  it('holds exactly the described files', () => {
    const index = JSON.parse(text('documents/index.json')) as { id: string; title: string; kind: string; files: Record<string, string> }[];
    // The session made its meeting-notes document.
    expect(index.map((d) => d.title).sort()).toEqual(['Data meeting — notes', 'Field trip budget', 'Fractions lesson']);
    const docFiles = index.flatMap((d) => Object.values(d.files));
    const sessionFile = entries.find((e) => e.startsWith('sessions/'));
    expect(sessionFile).toMatch(/^sessions\/\d{4}-\d{2}-\d{2}-Data-meeting--[\w-]+\.md$/);
    const expected = ['README.txt', 'space.json', 'members/members.json', 'members/members.csv', 'documents/index.json', ...docFiles, 'discussion/channels.json', 'discussion/messages.json', 'discussion/messages.csv', 'comments/threads.json', sessionFile!];
    expect(entries).toEqual(expected.sort());
    const readme = text('README.txt');
    for (const name of ['space.json', 'members/members.csv', 'documents/index.json', '.yjs.bin', 'budgets/', 'discussion/messages.json', 'discussion/messages.csv', 'comments/threads.json', 'sessions/']) expect(readme).toContain(name);
  });

  it('has every document as Markdown, HTML and Yjs state, and budgets as CSV, equal to the single-document exports', async () => {
    const index = JSON.parse(text('documents/index.json')) as { id: string; kind: string; files: Record<string, string> }[];
    for (const d of index) {
      for (const format of ['markdown', 'html', ...(d.kind === 'budget' ? ['csv'] : [])]) {
        const one = await s.fac.client.get(`/api/docs/${d.id}/export?format=${format}`);
        expect(one.status).toBe(200);
        expect(text(d.files[format === 'markdown' ? 'markdown' : format]!)).toBe(one.body);
      }
      const ydoc = new Y.Doc();
      Y.applyUpdate(ydoc, new Uint8Array(zipRead(file, d.files.state!)));
      if (d.kind === 'budget') expect(ydoc.getArray('lines').length).toBeGreaterThan(0);
      else expect(ydoc.getXmlFragment('default').length).toBeGreaterThan(0);
    }
    expect(text(index.find((d) => d.kind === 'budget')!.files.csv!)).toContain('Category');
  });

  it('has the discussion as JSON and CSV, threads included', () => {
    const channels = JSON.parse(text('discussion/channels.json')) as { id: string; name: string }[];
    expect(channels.map((c) => c.name).sort()).toEqual(['general', 'planning']);
    const messages = JSON.parse(text('discussion/messages.json')) as { id: string; channel: string; parentId: string | null; text: string; author: { name: string } }[];
    expect(messages.map((m) => [m.channel, m.text])).toEqual([
      ['general', 'Hello, team, "quoted" text'],
      ['general', '=SUM(A1) a reply'],
      ['planning', 'Planning starts Monday'],
    ]);
    expect(messages[1]!.parentId).toBe(s.messageId);
    expect(messages.every((m) => m.author.name === 'Mo Member')).toBe(true);
    const csv = text('discussion/messages.csv').split('\r\n');
    expect(csv[0]).toBe('id,channel,channel_id,parent_id,author,author_id,text,created_at,edited_at,removed_at,reply_count');
    expect(csv).toHaveLength(5);
    expect(csv[1]).toContain('"Hello, team, ""quoted"" text"');
    // A formula-looking message cannot run in a spreadsheet.
    expect(csv[2]).toContain(",'=SUM(A1) a reply,");
  });

  it('has comment threads, session summaries, members and roles, and the space', () => {
    const threads = JSON.parse(text('comments/threads.json'));
    expect(threads).toHaveLength(1);
    expect(threads[0]).toMatchObject({ id: s.thread, docId: s.budget, comments: [{ text: 'Is the bus quote current?' }] });
    const summary = text(entries.find((e) => e.startsWith('sessions/'))!);
    for (const words of ['# Data meeting', 'Reteach equivalent fractions', 'Build exit ticket', 'Assume good intent']) expect(summary).toContain(words);
    const members = JSON.parse(text('members/members.json'));
    expect(members.map((m: { name: string; role: string }) => [m.name, m.role])).toEqual([['Fran Facilitator', 'facilitator'], ['Mo Member', 'member']]);
    expect(JSON.stringify(members)).not.toContain('@');
    expect(text('members/members.csv').split('\r\n')).toEqual(['user_id,name,role,joined_at', expect.stringContaining(',Fran Facilitator,facilitator,'), expect.stringContaining(',Mo Member,member,'), '']);
    expect(JSON.parse(text('space.json'))).toMatchObject({ id: s.spaceId, kind: 'plc' });
  });

  it('is downloaded as an attachment, and both the request and the download are audited', async () => {
    const res = await fetch(srv.url + job.downloadUrl, { headers: { cookie: s.fac.client.cookie } });
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${job.fileName}"`);
    expect(Number(res.headers.get('content-length'))).toBe(job.size);
    await res.arrayBuffer();
    const audit = await s.fac.client.get(`/api/spaces/${s.spaceId}/audit?action=space.exported`);
    const stages = audit.body.entries.map((e: { details: { stage: string; exportId: string }; actor: { id: string } }) => [e.details.stage, e.details.exportId, e.actor.id]);
    expect(stages).toEqual([
      ['downloaded', job.id, s.fac.user.id],
      ['downloaded', job.id, s.fac.user.id],
      ['requested', job.id, s.fac.user.id],
    ]);
  });

  it('is refused to members, strangers and anonymous callers, and to bad bodies', async () => {
    const base = `/api/spaces/${s.spaceId}/exports`;
    for (const [res, code] of [
      [await s.member.client.post(base), 'forbidden'],
      [await s.member.client.get(base), 'forbidden'],
      [await s.member.client.get(`${base}/${job.id}`), 'forbidden'],
      [await s.member.client.get(job.downloadUrl), 'forbidden'],
      [await (await signupUser(srv.url, 'Stranger')).client.get(job.downloadUrl), 'not_found'],
      [await new ApiClient(srv.url).get(job.downloadUrl), 'authentication_required'],
      [await s.fac.client.post(base, { everything: true }), 'invalid_payload'],
      [await s.fac.client.get(`${base}/nope`), 'not_found'],
    ] as const) {
      expect(res.body.error.code).toBe(code);
    }
  });

  it('expires after 24 hours', async () => {
    expect((await s.fac.client.get(`/api/spaces/${s.spaceId}/exports`)).body.exports.map((e: { id: string }) => e.id)).toEqual([job.id]);
    clock += 25 * 3600_000;
    expect((await s.fac.client.get(`/api/spaces/${s.spaceId}/exports/${job.id}`)).status).toBe(404);
    expect((await s.fac.client.get(job.downloadUrl)).status).toBe(404);
    expect((await s.fac.client.get(`/api/spaces/${s.spaceId}/exports`)).body.exports).toEqual([]);
  });
});

describe('a large space', () => {
  it('is streamed: messages read a page at a time, the ZIP stored in several chunks', async () => {
    const { spaceId, general, fac } = await spaceWith(srv.url);
    const at = clock;
    // Seeded straight into the store: sending 1,100 messages through the socket would meet its rate limit.
    // Numbered as the app numbers them (server/chat/sequence.ts), else the next start would number them.
    const plain = { words: [], mentions: [], parentId: null, editedAt: null, deletedAt: null, deletedBy: null, replyCount: 0, lastReplyAt: null, reactions: {} };
    const messages = Array.from({ length: 1_100 }, (_, i) => ({
      _id: `m${String(i).padStart(6, '0')}${randomBytes(4).toString('hex')}`,
      ...{ spaceId, channelId: general, seq: i + 1, authorId: fac.user.id, authorName: fac.user.name },
      text: `${i} ${randomBytes(900).toString('base64')}`,
      ...{ clientMsgId: `seed-${i}-${randomBytes(4).toString('hex')}`, createdAt: new Date(at + i) },
      ...plain,
    }));
    await srv.store.collection('messages').insertMany(messages);
    const job = await exportSpace(fac.client, spaceId);
    expect(job.status).toBe('done');
    expect(job.size).toBeGreaterThan(1024 * 1024);
    expect(await srv.store.collection('spaceExportChunks').count({ exportId: job.id })).toBe(Math.ceil(job.size / (1024 * 1024)));
    const { file } = await downloadZip(fac.client, job);
    const exported = JSON.parse(zipRead(file, 'discussion/messages.json').toString('utf8')) as { text: string }[];
    expect(exported.map((m) => m.text)).toEqual(messages.map((m) => m.text));
    expect(zipRead(file, 'discussion/messages.csv').toString('utf8').split('\r\n')).toHaveLength(1_102);
  });
});

describe('at start (then hourly)', () => {
  it('removes expired exports with their ZIP, and fails exports whose process died but not those still running elsewhere', async () => {
    const { spaceId, fac } = await spaceWith(srv.url);
    const done = await exportSpace(fac.client, spaceId);
    expect(await srv.store.collection('spaceExportChunks').count({ exportId: done.id })).toBeGreaterThan(0);
    clock += 24 * 3600_000 + 60_000;
    // What a process killed in the middle of an export leaves: a running job and some chunks.
    const job = (id: string, minutesAgo: number): ExportRecord => {
      const at = new Date(clock - minutesAgo * 60_000);
      const fields = { status: 'running', percent: 40, files: 4, totalFiles: 10, size: null, chunks: 0, fileName: 'x.zip', finishedAt: null, error: null } as const;
      return { _id: id, spaceId, requestedBy: fac.user.id, ...fields, createdAt: at, updatedAt: at, expiresAt: new Date(clock + 3600_000) };
    };
    await srv.store.collection<ExportRecord>('spaceExports').insertMany([job('orphaned-export', 11), job('live-elsewhere', 1)]);
    await srv.store.collection<ZipChunkRecord>('spaceExportChunks').insertOne({ _id: 'orphaned-export:00000000', exportId: 'orphaned-export', n: 0, data: new Uint8Array(8) });

    const dataDir = srv.dataDir;
    await srv.close({ keepData: true });
    srv = await startServer({ dataDir, now: () => clock });
    const exports = srv.store.collection<{ _id: string; status: string; error: string | null }>('spaceExports');
    expect(await exports.findOne({ _id: 'orphaned-export' })).toMatchObject({ status: 'failed', error: expect.stringContaining('interrupted') });
    expect(await srv.store.collection('spaceExportChunks').count({ exportId: 'orphaned-export' })).toBe(0);
    expect(await exports.findOne({ _id: 'live-elsewhere' })).toMatchObject({ status: 'running' });
    // The sweep runs right after start, not before serving: wait for it.
    for (let i = 0; i < 50 && (await exports.findOne({ _id: done.id })); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await exports.findOne({ _id: done.id })).toBeNull();
    expect(await srv.store.collection('spaceExportChunks').count({ exportId: done.id })).toBe(0);
  });
});
