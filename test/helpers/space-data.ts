/**
 * Helpers for the space export and deletion tests: a space with something in every feature (documents,
 * a budget, messages and a thread reply in two channels, a comment thread, a session with a decision and
 * an action item, norms, an invite), waiting for an export, and reading the ZIP with the system's unzip.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { call, cid, connectSocket, data, spaceWith } from './chat';
import { tempDir, type ApiClient } from './server';

/** A space with content in every feature; the facilitator, a member and the ids made. */
export async function populatedSpace(url: string) {
  const { spaceId, general, fac, people } = await spaceWith(url, [{ name: 'Mo Member' }]);
  const member = people[0]!;
  const post = async (c: ApiClient, u: string, body: unknown, status = 201) => {
    const res = await c.post(u, body);
    expect(res.status, `${u}: ${JSON.stringify(res.body)}`).toBe(status);
    return res.body;
  };
  const lesson = (await post(member.client, `/api/spaces/${spaceId}/docs`, { title: 'Fractions lesson', template: 'lesson-plan' })).doc.id as string;
  const budget = (await post(fac.client, `/api/spaces/${spaceId}/docs`, { title: 'Field trip budget', template: 'budget' })).doc.id as string;
  await post(fac.client, `/api/docs/${lesson}/versions`, { name: 'First draft' });
  const thread = (await post(member.client, `/api/docs/${budget}/threads`, { anchor: { lineId: 'line-1' }, quote: 'Bus', text: 'Is the bus quote current?' })).thread.id as string;
  const channel = (await post(fac.client, `/api/spaces/${spaceId}/channels`, { name: 'planning' })).channel.id as string;
  const ms = await connectSocket(url, member.client.cookie);
  const first = data(await call(ms, 'message:send', { channelId: general, text: 'Hello, team, "quoted" text', clientMsgId: cid() })).message;
  data(await call(ms, 'message:send', { channelId: general, text: '=SUM(A1) a reply', clientMsgId: cid(), parentId: first.id }));
  data(await call(ms, 'message:send', { channelId: channel, text: 'Planning starts Monday', clientMsgId: cid() }));
  ms.close();
  const session = (await post(fac.client, `/api/spaces/${spaceId}/sessions`, { title: 'Data meeting', protocol: 'plc-data-meeting' })).session.id as string;
  await post(fac.client, `/api/sessions/${session}/decisions`, { text: 'Reteach equivalent fractions' });
  await post(fac.client, `/api/sessions/${session}/action-items`, { text: 'Build exit ticket' });
  expect((await fac.client.request('PUT', `/api/spaces/${spaceId}/norms`, { norms: ['Assume good intent'] })).status).toBe(200);
  const invite = (await post(fac.client, `/api/spaces/${spaceId}/invites`, { role: 'guest' })).invite.code as string;
  return { spaceId, general, channel, fac, member, lesson, budget, thread, session, invite, messageId: first.id as string };
}

/** Asks for an export and waits until it is done; returns the final job. */
export async function exportSpace(client: ApiClient, spaceId: string) {
  const started = await client.post(`/api/spaces/${spaceId}/exports`);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const id = started.body.export.id as string;
  for (let i = 0; i < 200; i++) {
    const job = (await client.get(`/api/spaces/${spaceId}/exports/${id}`)).body.export;
    if (job.status === 'done' || job.status === 'failed') return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the export did not finish');
}

/** Downloads a finished export's ZIP into a temp file; returns its path and the response. */
export async function downloadZip(client: ApiClient, job: { downloadUrl: string }) {
  const res = await fetch(client.baseUrl + job.downloadUrl, { headers: { cookie: client.cookie } });
  expect(res.status).toBe(200);
  const file = path.join(tempDir('export-'), 'export.zip');
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return { file, headers: res.headers };
}

/** The ZIP's entries, with the system's `unzip` (which also checks the central directory and CRCs). */
export function zipEntries(file: string): string[] {
  execFileSync('unzip', ['-tq', file]);
  return execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
}

/** One entry's bytes. */
export const zipRead = (file: string, entry: string): Buffer => execFileSync('unzip', ['-p', file, entry], { maxBuffer: 64 * 1024 * 1024 });
