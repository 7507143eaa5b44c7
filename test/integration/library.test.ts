/**
 * The library over real HTTP, with content typed through the stock y-websocket client: publish with the
 * student-information check, search with filters, remix into another space with attribution and lineage,
 * version 2 seen from the remix, withdraw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLibraryRepo } from '../../server/library/records';
import { ApiClient, startServer, type TestServer } from '../helpers/server';
import { isError, spaceWithPeople, typeInto } from '../helpers/library';
import type { Person } from '../helpers/collab';

let srv: TestServer;
let a: Awaited<ReturnType<typeof spaceWithPeople>>;
let b: Awaited<ReturnType<typeof spaceWithPeople>>;
const base = { summary: 'A three-week ratios unit with warm-ups.', subjects: ['Math'], grades: ['6'], license: 'CC-BY-4.0' };

async function newDoc(p: Person, spaceId: string, title: string, template = 'curriculum-unit') {
  const res = await p.client.post(`/api/spaces/${spaceId}/docs`, { title, template });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.doc.id as string;
}

beforeAll(async () => {
  srv = await startServer();
  a = await spaceWithPeople(srv.url, 'Alpha');
  b = await spaceWithPeople(srv.url, 'Beta');
});
afterAll(async () => srv?.close());

describe('publishing', () => {
  it('refuses with the findings until a reason is given, then records the confirmation', async () => {
    const docId = await newDoc(a.member, a.spaceId, 'Ratios unit');
    await typeInto(srv.wsUrl, a.member, docId, 'Proportional reasoning with tape diagrams.', 'Questions to ana.ruiz@westfield.k12.us please.');
    const check = await a.member.client.post(`/api/docs/${docId}/student-info-check`);
    expect(check.status).toBe(200);
    expect(check.body.findings).toEqual([expect.objectContaining({ kind: 'email', snippet: expect.stringContaining('ana.ruiz@westfield.k12.us') })]);

    const refused = await a.member.client.post(`/api/docs/${docId}/publish`, base);
    isError(refused, 409, 'conflict');
    expect(refused.body.error.details.findings).toEqual([expect.objectContaining({ kind: 'email', where: 'content' })]);
    expect(await srv.store.collection('publications').count({})).toBe(0);

    const ok = await a.member.client.post(`/api/docs/${docId}/publish`, { ...base, confirmStudentInfo: 'A staff address, shared on purpose.' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.publication).toMatchObject({ docId, spaceId: a.spaceId, title: 'Ratios unit', template: 'curriculum-unit', subjects: ['Math'], grades: ['6'], license: 'CC-BY-4.0', visibility: 'signed-in', version: 1, remixedFrom: null, remixCount: 0, withdrawn: false });
    expect(ok.body.publication.authors).toEqual([{ id: a.member.user.id, name: a.member.user.name }]);
    const v = await srv.store.collection<any>('publicationVersions').findOne({ publicationId: ok.body.publication.id });
    // The frozen content is kept in chunks (any size); read it through the repository.
    const content = (await createLibraryRepo(srv.store).versions.content(v.publicationId, v.version))!;
    expect(v.check).toMatchObject({ findings: 1, kinds: ['email'], confirmedBy: a.member.user.id, reason: 'A staff address, shared on purpose.' });
    expect(content.markdown).toContain('Proportional reasoning');
    expect(content.state.byteLength).toBeGreaterThan(0);
  });

  it('freezes the content: edits after publishing do not change the publication', async () => {
    const docId = await newDoc(a.facilitator, a.spaceId, 'Exit tickets');
    await typeInto(srv.wsUrl, a.facilitator, docId, 'Frozen sentence.');
    const pub = (await a.facilitator.client.post(`/api/docs/${docId}/publish`, { ...base, subjects: ['Assessment'] })).body.publication;
    await typeInto(srv.wsUrl, a.facilitator, docId, 'Added later.');
    const page = await b.member.client.get(`/api/library/${pub.id}`);
    expect(page.body.markdown).toContain('Frozen sentence.');
    expect(page.body.markdown).not.toContain('Added later.');
  });

  it('two publishes of one document at once: each is a version or a clear conflict, never a broken record', async () => {
    const docId = await newDoc(a.member, a.spaceId, 'Raced');
    const results = await Promise.all([1, 2, 3].map(() => a.member.client.post(`/api/docs/${docId}/publish`, base)));
    for (const r of results) expect([201, 409], JSON.stringify(r.body)).toContain(r.status);
    const made = results.filter((r) => r.status === 201).length;
    expect(made).toBeGreaterThan(0);
    const page = (await a.member.client.get(`/api/library/${results.find((r) => r.status === 201)!.body.publication.id}`)).body;
    expect(page.publication.version).toBe(made);
    expect(page.versions.map((v: { version: number }) => v.version)).toEqual(Array.from({ length: made }, (_, i) => made - i));
    expect(await srv.store.collection('publications').count({ docId })).toBe(1);
    // No version of a losing first publish is left behind.
    const pubIds = (await srv.store.collection('publications').find({})).map((p) => p._id);
    expect(await srv.store.collection<any>('publicationVersions').count({ publicationId: { $nin: pubIds } })).toBe(0);
    expect(await srv.store.collection<any>('publicationContents').count({ publicationId: { $nin: pubIds } })).toBe(0);
  });

  it('bad input is refused and nothing is stored', async () => {
    const docId = await newDoc(a.member, a.spaceId, 'Bad input');
    const before = await srv.store.collection('publications').count({});
    isError(await a.member.client.post(`/api/docs/${docId}/publish`, { ...base, license: 'GPL' }), 400, 'invalid_payload');
    isError(await a.member.client.post(`/api/docs/${docId}/publish`, { ...base, subjects: Array(11).fill('x') }), 400, 'invalid_payload');
    isError(await a.member.client.post(`/api/docs/${docId}/publish`, { ...base, summary: 'x'.repeat(1001) }), 400, 'invalid_payload');
    isError(await a.member.client.post(`/api/docs/${docId}/publish`, { ...base, extra: 1 }), 400, 'invalid_payload');
    isError(await a.member.client.post(`/api/docs/${docId}/publish`, { ...base, authors: [b.member.user.id] }), 400, 'invalid_payload');
    expect(await srv.store.collection('publications').count({})).toBe(before);
  });
});

describe('search', () => {
  let ids: Record<string, string>;
  beforeAll(async () => {
    ids = {};
    const make = async (title: string, body: string, extra: object, template = 'curriculum-unit') => {
      const docId = await newDoc(b.facilitator, b.spaceId, title, template);
      await typeInto(srv.wsUrl, b.facilitator, docId, body);
      const res = await b.facilitator.client.post(`/api/docs/${docId}/publish`, { ...base, ...extra });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ids[title] = res.body.publication.id;
    };
    await make('Photosynthesis lab', 'Chlorophyll and sunlight experiments.', { subjects: ['Science'], grades: ['7'], summary: 'Plants in the lab.' }, 'lesson-plan');
    await make('Fractions warm-ups', 'Daily chlorophyll-free number talks.', { subjects: ['Math'], grades: ['5', '6'], license: 'CC-BY-SA-4.0' });
    await make('Reading circles', 'Literature circles protocol.', { subjects: ['ELA'], grades: ['7'], license: 'all-rights-reserved' }, 'meeting-notes');
  });

  const titles = async (query: string) => {
    const res = await a.guest.client.get(`/api/library?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { titles: (res.body.publications as { title: string }[]).map((p) => p.title), total: res.body.total as number };
  };

  it('finds words in titles, summaries and content; filters by subject, grade, kind and license', async () => {
    expect((await titles('q=photosynthesis')).titles).toEqual(['Photosynthesis lab']);
    expect((await titles('q=plants')).titles).toEqual(['Photosynthesis lab']);
    expect((await titles('q=sunlight%20experiments')).titles).toEqual(['Photosynthesis lab']);
    expect((await titles('q=chlorophyll')).titles.sort()).toEqual(['Fractions warm-ups', 'Photosynthesis lab']);
    expect((await titles('q=chlorophyll&subject=math')).titles).toEqual(['Fractions warm-ups']);
    expect((await titles('grade=7')).titles.sort()).toEqual(['Photosynthesis lab', 'Reading circles']);
    expect((await titles('template=meeting-notes')).titles).toEqual(['Reading circles']);
    expect((await titles('license=CC-BY-SA-4.0')).titles).toEqual(['Fractions warm-ups']);
    expect((await titles('q=nothingmatchesthis')).total).toBe(0);
  });

  it('sorts by newest or most used and pages with a total', async () => {
    const all = await titles('pageSize=2&page=1');
    expect(all.titles).toHaveLength(2);
    expect(all.titles[0]).toBe('Reading circles');
    const rest = await titles(`pageSize=2&page=${Math.ceil(all.total / 2)}`);
    expect(rest.titles.length).toBeGreaterThan(0);
    const used = await a.guest.client.post(`/api/library/${ids['Photosynthesis lab']}/used`);
    expect(used.body).toEqual({ usedCount: 1, usedByMe: true });
    expect((await a.guest.client.post(`/api/library/${ids['Photosynthesis lab']}/used`)).body.usedCount).toBe(1);
    expect((await titles('sort=most-used')).titles[0]).toBe('Photosynthesis lab');
    isError(await a.guest.client.get('/api/library?sort=random'), 400, 'invalid_payload');
    isError(await new ApiClient(srv.url).get('/api/library'), 401, 'authentication_required');
  });
});

describe('remix, version 2 and withdraw', () => {
  it('remixes into another space with the attribution line; the remix learns of version 2 and what changed', async () => {
    const docId = await newDoc(a.member, a.spaceId, 'Ratio tables');
    await typeInto(srv.wsUrl, a.member, docId, 'Warm-up: five minutes.');
    const pub = (await a.member.client.post(`/api/docs/${docId}/publish`, base)).body.publication;

    isError(await b.guest.client.post(`/api/library/${pub.id}/remix`, { spaceId: b.spaceId }), 403, 'forbidden');
    isError(await b.member.client.post(`/api/library/${pub.id}/remix`, { spaceId: a.spaceId }), 404, 'not_found');
    const made = await b.member.client.post(`/api/library/${pub.id}/remix`, { spaceId: b.spaceId });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const remixId = made.body.doc.id;
    const md = await b.member.client.get(`/api/docs/${remixId}/export?format=markdown`);
    const lines = (md.body as string).split('\n').filter(Boolean);
    expect(lines[1]).toBe(`*Remixed from Ratio tables by ${a.member.user.name}, CC BY 4.0*`);
    expect(md.body).toContain('Warm-up: five minutes.');
    expect((await b.member.client.get(`/api/library/${pub.id}`)).body.publication.remixCount).toBe(1);

    let lineage = (await b.member.client.get(`/api/docs/${remixId}/lineage`)).body;
    expect(lineage.remixedFrom).toMatchObject({ publicationId: pub.id, version: 1, latestVersion: 1, changes: null });

    await typeInto(srv.wsUrl, a.member, docId, 'Exit ticket added in version 2.');
    const v2 = await a.member.client.post(`/api/docs/${docId}/publish`, base);
    expect(v2.body.publication).toMatchObject({ id: pub.id, version: 2 });
    lineage = (await b.member.client.get(`/api/docs/${remixId}/lineage`)).body;
    expect(lineage.remixedFrom).toMatchObject({ version: 1, latestVersion: 2, changes: { linesAdded: 1, linesRemoved: 0, sample: [{ op: '+', line: 'Exit ticket added in version 2.' }] } });
    const page = (await b.member.client.get(`/api/library/${pub.id}`)).body;
    expect(page.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(page.versions[0].changes.linesAdded).toBe(1);

    // The remix published in turn names its origin, and the origin lists it.
    const rp = await b.member.client.post(`/api/docs/${remixId}/publish`, { ...base, confirmStudentInfo: 'n/a' });
    expect(rp.body.publication.remixedFrom).toEqual({ publicationId: pub.id, version: 1 });
    expect((await a.guest.client.get(`/api/library/${rp.body.publication.id}`)).body.origin).toMatchObject({ id: pub.id, title: 'Ratio tables' });
    expect((await a.guest.client.get(`/api/library/${pub.id}`)).body.remixes).toEqual([{ id: rp.body.publication.id, title: 'Ratio tables' }]);
  });

  it('a budget template remixes with its lines and allocation, and says where it came from', async () => {
    const docId = await newDoc(a.member, a.spaceId, 'Math night budget', 'budget');
    const pub = (await a.member.client.post(`/api/docs/${docId}/publish`, { ...base, subjects: ['Math'] })).body.publication;
    const original = (await a.member.client.get(`/api/docs/${docId}/export?format=csv`)).body as string;
    const made = await b.member.client.post(`/api/library/${pub.id}/remix`, { spaceId: b.spaceId });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const csv = (await b.member.client.get(`/api/docs/${made.body.doc.id}/export?format=csv`)).body as string;
    expect(csv).toBe(original);
    const md = (await b.member.client.get(`/api/docs/${made.body.doc.id}/export?format=markdown`)).body as string;
    expect(md).toContain(`_Remixed from Math night budget by ${a.member.user.name}, CC BY 4.0_`);
    expect((await b.member.client.get(`/api/docs/${made.body.doc.id}/lineage`)).body.remixedFrom).toMatchObject({ publicationId: pub.id, version: 1 });
  });

  it('withdraw: credited authors and the publishing space\'s facilitators only; remixes stay with their teams', async () => {
    const docId = await newDoc(a.facilitator, a.spaceId, 'Budget talk', 'blank');
    await typeInto(srv.wsUrl, a.facilitator, docId, 'Withdraw me.');
    const pub = (await a.facilitator.client.post(`/api/docs/${docId}/publish`, { ...base, authors: [a.member.user.id] })).body.publication;
    const remixId = (await b.member.client.post(`/api/library/${pub.id}/remix`, { spaceId: b.spaceId })).body.doc.id;
    for (const p of [a.guest, b.member, b.facilitator]) isError(await p.client.delete(`/api/library/${pub.id}`), 403, 'forbidden');
    isError(await new ApiClient(srv.url).delete(`/api/library/${pub.id}`), 401, 'authentication_required');
    expect((await a.member.client.delete(`/api/library/${pub.id}`)).status).toBe(204);
    const page = (await b.member.client.get(`/api/library/${pub.id}`)).body;
    expect(page.publication.withdrawn).toBe(true);
    expect(page.markdown).toBe('');
    expect((await b.member.client.get('/api/library?q=withdraw')).body.total).toBe(0);
    isError(await b.member.client.post(`/api/library/${pub.id}/remix`, { spaceId: b.spaceId }), 409, 'conflict');
    expect((await b.member.client.get(`/api/docs/${remixId}`)).status).toBe(200);
    expect((await b.member.client.get(`/api/docs/${remixId}/lineage`)).body.remixedFrom.withdrawn).toBe(true);
    // The facilitator of the publishing space may withdraw too (on another publication).
    const other = await newDoc(a.member, a.spaceId, 'Another');
    const p2 = (await a.member.client.post(`/api/docs/${other}/publish`, base)).body.publication;
    expect((await a.facilitator.client.delete(`/api/library/${p2.id}`)).status).toBe(204);
  });
});
