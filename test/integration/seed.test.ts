/** scripts/seed.ts against the real server: demo accounts, a space with roles, documents, a discussion and a session. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_BUDGET, DEMO_PEOPLE, seed } from '../../scripts/seed';
import { ApiClient, startServer, type TestServer } from '../helpers/server';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv?.close();
});

describe('npm run seed', () => {
  it('creates what a newcomer can explore, through the public API; a second run reuses the accounts', async () => {
    const r = await seed(srv.url, 'a demo password');
    const ana = new ApiClient(srv.url);
    expect((await ana.post('/api/auth/login', { email: DEMO_PEOPLE[0].email, password: 'a demo password' })).status).toBe(200);

    const members = (await ana.get(`/api/spaces/${r.spaceId}/members`)).body.members.map((m: { user: { name: string }; role: string }) => `${m.user.name}:${m.role}`);
    expect(members.sort()).toEqual(['Ana Lopez:facilitator', 'Ben Okafor:member', 'Cleo Park:member', 'Dana Reyes:guest']);
    const docs = (await ana.get(`/api/spaces/${r.spaceId}/docs`)).body.docs.map((d: { template: string }) => d.template);
    // Three made by hand plus the session's meeting notes.
    expect(docs.sort()).toEqual(['budget', 'curriculum-unit', 'lesson-plan', 'meeting-notes']);
    // The budget is a realistic one: an allocation and several lines, with totals.
    const csv: string = (await ana.get(`/api/docs/${r.docIds[2]}/export?format=csv`)).body;
    for (const l of DEMO_BUDGET.lines) expect(csv).toContain(l.description);
    expect(csv).toContain('Allocation,,,,1500.00');
    expect(csv).toContain('Total,,,,1260.00');
    const general = (await ana.get(`/api/channels/${r.channelIds.general}/messages`)).body.messages;
    expect(general.map((m: { author: { name: string } }) => m.author.name)).toEqual(['Ana Lopez', 'Dana Reyes']);
    expect(general[0].replyCount).toBe(1);
    const thread = (await ana.get(`/api/messages/${general[0].id}/thread`)).body;
    expect(thread.replies.map((m: { author: { name: string } }) => m.author.name)).toEqual(['Ben Okafor']);
    const ratios = (await ana.get(`/api/channels/${r.channelIds.ratios}/messages`)).body.messages;
    expect(ratios[0].mentions).toEqual([r.people.ben.id]);
    const detail = (await ana.get(`/api/sessions/${r.sessionId}`)).body;
    expect(detail.session).toMatchObject({ title: 'Unit 3 data meeting', state: { status: 'planned' } });
    expect(detail.decisions).toHaveLength(1);
    expect(detail.actionItems[0]).toMatchObject({ text: 'Group students for the reteach', owner: { name: 'Ben Okafor' } });
    expect((await ana.get(`/api/spaces/${r.spaceId}/norms`)).body.norms).toHaveLength(4);

    const again = await seed(srv.url, 'a demo password');
    expect(again.people.ana.id).toBe(r.people.ana.id);
    expect(again.spaceId).not.toBe(r.spaceId);
  });
});
