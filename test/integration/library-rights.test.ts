/**
 * The library's rights matrix over real HTTP (guest, stranger, member of another space, anonymous on a
 * public and a non-public publication), reviews with their rate limit and moderation log, and the
 * Names to watch roster, which is stored only as hashes and never leaves the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, signupUser, startServer, type TestServer } from '../helpers/server';
import { isError, spaceWithPeople, typeInto } from '../helpers/library';
import type { Person } from '../helpers/collab';

let srv: TestServer;
let a: Awaited<ReturnType<typeof spaceWithPeople>>;
let b: Awaited<ReturnType<typeof spaceWithPeople>>;
let stranger: Person;
const anon = () => new ApiClient(srv.url);
const base = { summary: 'Shared openly.', subjects: ['Science'], grades: ['8'], license: 'CC-BY-4.0' };

async function publishDoc(title: string, extra: object = {}) {
  const doc = await a.member.client.post(`/api/spaces/${a.spaceId}/docs`, { title, template: 'lesson-plan' });
  const docId = doc.body.doc.id as string;
  const res = await a.member.client.post(`/api/docs/${docId}/publish`, { ...base, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { docId, pub: res.body.publication as { id: string; authors: { id: string; name: string }[] } };
}

beforeAll(async () => {
  srv = await startServer();
  a = await spaceWithPeople(srv.url, 'Alpha');
  b = await spaceWithPeople(srv.url, 'Beta');
  stranger = (await signupUser(srv.url, 'Stranger')) as Person;
});
afterAll(async () => srv?.close());

describe('who may publish', () => {
  it('members and facilitators publish from their space; guests 403; strangers and other spaces 404; anonymous 401', async () => {
    const doc = await a.facilitator.client.post(`/api/spaces/${a.spaceId}/docs`, { title: 'Rights', template: 'blank' });
    const docId = doc.body.doc.id;
    isError(await a.guest.client.post(`/api/docs/${docId}/publish`, base), 403, 'forbidden');
    isError(await a.guest.client.post(`/api/docs/${docId}/student-info-check`), 403, 'forbidden');
    isError(await stranger.client.post(`/api/docs/${docId}/publish`, base), 404, 'not_found');
    isError(await b.facilitator.client.post(`/api/docs/${docId}/publish`, base), 404, 'not_found');
    isError(await anon().post(`/api/docs/${docId}/publish`, base), 401, 'authentication_required');
    expect(await srv.store.collection('publications').count({})).toBe(0);
    expect((await a.facilitator.client.post(`/api/docs/${docId}/publish`, base)).status).toBe(201);
  });
});

describe('who may read', () => {
  it('every signed-in teacher reads; anonymous callers only public publications, which name only credited authors', async () => {
    const closed = await publishDoc('Signed-in only');
    const open = await publishDoc('Open to the web', { visibility: 'public', authors: [a.facilitator.user.id] });
    for (const p of [a.guest, b.member, b.guest, stranger]) expect((await p.client.get(`/api/library/${closed.pub.id}`)).status).toBe(200);
    isError(await anon().get(`/api/library/${closed.pub.id}`), 401, 'authentication_required');
    isError(await anon().get(`/api/library/${closed.pub.id}/export?format=markdown`), 401, 'authentication_required');
    isError(await anon().get('/api/library/nosuchpublication'), 404, 'not_found');

    const page = await anon().get(`/api/library/${open.pub.id}`);
    expect(page.status).toBe(200);
    expect(page.body.publication.authors).toEqual([{ id: a.facilitator.user.id, name: a.facilitator.user.name }]);
    // The member who published and left themselves out is named nowhere on the public page or its export.
    expect(JSON.stringify(page.body)).not.toContain(a.member.user.name);
    expect(JSON.stringify(page.body)).not.toContain(a.member.user.id);
    expect(page.body).toMatchObject({ canWithdraw: false, canModerate: false, usedByMe: false });
    const html = await anon().get(`/api/library/${open.pub.id}/export?format=html`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    // Public pages are read-only.
    isError(await anon().post(`/api/library/${open.pub.id}/reviews`, { text: 'hi' }), 401, 'authentication_required');
    isError(await anon().post(`/api/library/${open.pub.id}/used`), 401, 'authentication_required');
    isError(await anon().post(`/api/library/${open.pub.id}/remix`, { spaceId: a.spaceId }), 401, 'authentication_required');
    isError(await anon().delete(`/api/library/${open.pub.id}`), 401, 'authentication_required');
  });

  it('a stranger may not remix into a space they are not in; a guest may not remix into their own', async () => {
    const { pub } = await publishDoc('Remix rights');
    isError(await stranger.client.post(`/api/library/${pub.id}/remix`, { spaceId: a.spaceId }), 404, 'not_found');
    isError(await a.guest.client.post(`/api/library/${pub.id}/remix`, { spaceId: a.spaceId }), 403, 'forbidden');
    expect((await a.facilitator.client.post(`/api/library/${pub.id}/remix`, { spaceId: a.spaceId })).status).toBe(201);
  });
});

describe('reviews', () => {
  it('guests and strangers review; reviews are rate-limited; facilitators of the publishing space moderate, with a log', async () => {
    const { pub } = await publishDoc('Reviewed');
    const g = await b.guest.client.post(`/api/library/${pub.id}/reviews`, { text: 'Used this with my 7th graders; the warm-up needed more time.' });
    expect(g.status, JSON.stringify(g.body)).toBe(201);
    expect(g.body.review).toMatchObject({ author: { id: b.guest.user.id, name: b.guest.user.name }, text: expect.stringContaining('warm-up') });
    const s = await stranger.client.post(`/api/library/${pub.id}/reviews`, { text: 'Nice.' });
    expect(s.status).toBe(201);
    isError(await stranger.client.post(`/api/library/${pub.id}/reviews`, { text: '' }), 400, 'invalid_payload');
    isError(await stranger.client.post(`/api/library/${pub.id}/reviews`, { text: 'x'.repeat(2001) }), 400, 'invalid_payload');
    for (let i = 0; i < 4; i++) expect((await stranger.client.post(`/api/library/${pub.id}/reviews`, { text: `again ${i}` })).status).toBe(201);
    const limited = await stranger.client.post(`/api/library/${pub.id}/reviews`, { text: 'one too many' });
    isError(limited, 429, 'rate_limited');
    expect(limited.headers.get('retry-after')).toBeTruthy();

    // Another space's facilitator and the publishing space's members may not remove someone's review.
    isError(await b.facilitator.client.request('DELETE', `/api/library/${pub.id}/reviews/${g.body.review.id}`, {}), 403, 'forbidden');
    isError(await a.member.client.request('DELETE', `/api/library/${pub.id}/reviews/${g.body.review.id}`, {}), 403, 'forbidden');
    expect((await a.facilitator.client.request('DELETE', `/api/library/${pub.id}/reviews/${g.body.review.id}`, { reason: 'Off topic' })).status).toBe(204);
    const log = await srv.store.collection<any>('libraryModeration').find({ publicationId: pub.id });
    expect(log).toEqual([expect.objectContaining({ spaceId: a.spaceId, reviewId: g.body.review.id, actorId: a.facilitator.user.id, authorId: b.guest.user.id, reason: 'Off topic', text: expect.stringContaining('warm-up') })]);
    const entries = (await a.facilitator.client.get(`/api/spaces/${a.spaceId}/library-moderation`)).body.entries;
    expect(entries).toEqual([expect.objectContaining({ publication: { id: pub.id, title: 'Reviewed' }, actor: { id: a.facilitator.user.id, name: a.facilitator.user.name }, author: { id: b.guest.user.id, name: b.guest.user.name }, reason: 'Off topic' })]);
    isError(await a.member.client.get(`/api/spaces/${a.spaceId}/library-moderation`), 403, 'forbidden');
    // An author takes back their own review without a log entry.
    expect((await stranger.client.request('DELETE', `/api/library/${pub.id}/reviews/${s.body.review.id}`, {})).status).toBe(204);
    const list = await b.member.client.get(`/api/library/${pub.id}/reviews`);
    expect(list.body.reviews.map((r: { text: string }) => r.text)).not.toContain('Nice.');
    expect(list.body.reviews).toHaveLength(4);
    expect((await b.member.client.get(`/api/library/${pub.id}`)).body.publication.reviewCount).toBe(4);
  });
});

describe('Names to watch', () => {
  const roster = ['Maya Lopez', 'Jordan  Ng', 'Zoë Brandt'];

  it('facilitators keep it; it is stored as salted hashes and never returned; the check flags the names', async () => {
    isError(await a.member.client.request('PUT', `/api/spaces/${a.spaceId}/names-to-watch`, { names: roster }), 403, 'forbidden');
    isError(await stranger.client.request('PUT', `/api/spaces/${a.spaceId}/names-to-watch`, { names: roster }), 404, 'not_found');
    const put = await a.facilitator.client.request('PUT', `/api/spaces/${a.spaceId}/names-to-watch`, { names: roster });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.count).toBe(3);
    const get = await a.facilitator.client.get(`/api/spaces/${a.spaceId}/names-to-watch`);
    expect(Object.keys(get.body).sort()).toEqual(['count', 'updatedAt']);

    const stored = JSON.stringify(await srv.store.collection('namesToWatch').find({}));
    for (const n of ['maya', 'lopez', 'jordan', 'brandt', 'zoe', 'Maya']) expect(stored.toLowerCase()).not.toContain(n.toLowerCase());

    const doc = await a.member.client.post(`/api/spaces/${a.spaceId}/docs`, { title: 'Conference notes', template: 'blank' });
    const docId = doc.body.doc.id;
    await typeInto(srv.wsUrl, a.member, docId, 'zoe brandt asked great questions; call home 555-214-9087.', 'Student ID 20481234, DOB 2012-03-14.');
    const check = await a.member.client.post(`/api/docs/${docId}/student-info-check`);
    expect(check.body.findings.map((f: { kind: string }) => f.kind)).toEqual(['watched-name', 'phone', 'id-number', 'date-of-birth']);
    const refused = await a.member.client.post(`/api/docs/${docId}/publish`, { ...base, summary: 'With Maya Lopez.' });
    isError(refused, 409, 'conflict');
    expect(refused.body.error.details.findings.map((f: { kind: string; where: string }) => `${f.where}:${f.kind}`)).toEqual([
      'summary:watched-name', 'content:watched-name', 'content:phone', 'content:id-number', 'content:date-of-birth',
    ]);
    // Only text from the document itself comes back, never the roster or its hashes.
    const hashes = (await srv.store.collection<any>('namesToWatch').findOne({ _id: a.spaceId })).hashes as string[];
    for (const body of [put.body, get.body, check.body, refused.body]) for (const h of hashes) expect(JSON.stringify(body)).not.toContain(h);
    expect(JSON.stringify(check.body)).not.toContain('Jordan');
    // Another space's roster is its own: the same text raises no name there.
    const other = await b.member.client.post(`/api/spaces/${b.spaceId}/docs`, { title: 'Same text', template: 'blank' });
    await typeInto(srv.wsUrl, b.member, other.body.doc.id, 'zoe brandt asked great questions.');
    expect((await b.member.client.post(`/api/docs/${other.body.doc.id}/student-info-check`)).body.findings).toEqual([]);
  });

  it('a roster too long is refused', async () => {
    isError(await a.facilitator.client.request('PUT', `/api/spaces/${a.spaceId}/names-to-watch`, { names: Array(501).fill('A Name') }), 400, 'invalid_payload');
  });
});

describe('bad input', () => {
  it('operator objects, prototype keys, wrong types and out-of-range queries are 400 and store nothing', async () => {
    const { docId, pub } = await publishDoc('Bad input target');
    const fingerprint = async () =>
      JSON.stringify(await Promise.all(['publications', 'publicationVersions', 'libraryReviews', 'libraryRemixes', 'namesToWatch', 'libraryUses'].map((c) => srv.store.collection(c).find({}, { sort: { _id: 1 } }))));
    const before = await fingerprint();
    const c = b.member.client;
    const bad: [string, string, unknown][] = [
      ['POST', `/api/library/${pub.id}/reviews`, { text: { $gt: '' } }],
      ['POST', `/api/library/${pub.id}/reviews`, { text: 'ok', extra: true }],
      ['POST', `/api/library/${pub.id}/reviews`, '{"text":"ok","__proto__":{"admin":true}}'],
      ['POST', `/api/library/${pub.id}/remix`, { spaceId: { $ne: null } }],
      ['POST', `/api/library/${pub.id}/used`, { now: 1 }],
      ['POST', `/api/docs/${docId}/publish`, { ...base, subjects: 'Science' }],
      ['POST', `/api/docs/${docId}/publish`, { ...base, visibility: 'everyone' }],
      ['POST', `/api/docs/${docId}/publish`, { ...base, confirmStudentInfo: '' }],
      ['PUT', `/api/spaces/${b.spaceId}/names-to-watch`, { names: [{}] }],
      ['PUT', `/api/spaces/${b.spaceId}/names-to-watch`, { names: ['x'.repeat(101)] }],
      ['GET', `/api/library?q=${'x'.repeat(101)}`, undefined],
      ['GET', '/api/library?pageSize=0', undefined],
      ['GET', '/api/library?page=abc', undefined],
      ['GET', '/api/library?subject[$ne]=x', undefined],
      ['GET', '/api/library?template=novel', undefined],
      ['GET', `/api/library/${pub.id}/export?format=pdf`, undefined],
    ];
    for (const [method, url, body] of bad) {
      const publisher = url.includes('/publish') ? a.member.client : method === 'PUT' ? b.facilitator.client : c;
      const res = await publisher.request(method, url, body);
      expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.code).toBe('invalid_payload');
    }
    expect(await fingerprint()).toBe(before);
    expect((await c.get('/api/library')).status).toBe(200);
  });
});
