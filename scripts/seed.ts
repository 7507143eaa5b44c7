/**
 * Demo data for a running server, through its public API only (the same calls the app makes), so what it
 * creates is exactly what users could have created: four teachers, a PLC with a member, a second member and
 * a guest, documents from three templates (the budget filled in over the document socket, as the editor
 * does: an allocation and several lines), a channel with a short discussion (a thread reply, a mention),
 * pinned norms and a planned data meeting with roles, a decision and an action item.
 *
 * Usage:
 *   npm start                                   # in one terminal
 *   npm run seed                                # in another: seeds http://localhost:3000
 *   npm run seed -- --url http://host:port [--password 'demo pass 1']
 *
 * Run it on a fresh data directory: the accounts are reused when they exist (log-in instead of sign-up),
 * but every run adds another space. Prints the logins and the links to open.
 */
import { pathToFileURL } from 'node:url';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { BudgetLine } from '../shared/budget';
import type { Ack } from '../shared/errors';

export const DEMO_PEOPLE = [
  { key: 'ana', name: 'Ana Lopez', email: 'ana@demo.collaboratory.test' },
  { key: 'ben', name: 'Ben Okafor', email: 'ben@demo.collaboratory.test' },
  { key: 'cleo', name: 'Cleo Park', email: 'cleo@demo.collaboratory.test' },
  { key: 'dana', name: 'Dana Reyes', email: 'dana@demo.collaboratory.test' },
] as const;
type Key = (typeof DEMO_PEOPLE)[number]['key'];

/** A signed-in account: its cookie and id. */
interface Account {
  name: string;
  email: string;
  id: string;
  cookie: string;
}

/** What the seed made, for the summary it prints (and for its test). */
export interface SeedResult {
  people: Record<Key, Account>;
  password: string;
  spaceId: string;
  docIds: string[];
  channelIds: { general: string; ratios: string };
  sessionId: string;
}

class SeedError extends Error {}

async function call<T>(base: string, method: string, path: string, body?: unknown, cookie?: string): Promise<{ status: number; body: T; cookie?: string }> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(cookie ? { cookie } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const setCookie = res.headers.get('set-cookie');
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, ...(setCookie ? { cookie: setCookie.split(';')[0] } : {}) };
}

/** `call` that insists on a 2xx answer. */
async function must<T>(base: string, method: string, path: string, body?: unknown, cookie?: string): Promise<T> {
  const r = await call<T>(base, method, path, body, cookie);
  if (r.status < 200 || r.status >= 300) throw new SeedError(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Signs the person up, or logs them in when the account already exists. */
async function account(base: string, p: (typeof DEMO_PEOPLE)[number], password: string): Promise<Account> {
  let r = await call<{ user: { id: string } }>(base, 'POST', '/api/auth/signup', { email: p.email, password, name: p.name });
  if (r.status === 409) r = await call(base, 'POST', '/api/auth/login', { email: p.email, password });
  if (r.status >= 300 || !r.cookie) throw new SeedError(`could not sign in ${p.email}: ${r.status} ${JSON.stringify(r.body)}`);
  return { name: p.name, email: p.email, id: r.body.user.id, cookie: r.cookie };
}

/** Sends chat messages as one person over the stock Socket.IO client; each resolves once stored. */
async function chat(base: string, who: Account, spaceId: string, send: (emit: (event: string, payload: unknown) => Promise<unknown>) => Promise<void>) {
  const socket = io(base, { transports: ['websocket'], extraHeaders: { cookie: who.cookie }, reconnection: false, forceNew: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const emit = (event: string, payload: unknown) =>
      new Promise<unknown>((resolve, reject) =>
        socket.timeout(10_000).emit(event, payload, (err: Error | null, ack: Ack<unknown>) => {
          if (err) reject(err);
          else if ('error' in ack) reject(new SeedError(`${event}: ${ack.error.code} ${ack.error.message}`));
          else resolve(ack.data);
        }),
      );
    await emit('space:join', { spaceId });
    await send(emit);
  } finally {
    socket.close();
  }
}

/** The demo budget: a family math night, with an allocation and lines across categories and funding sources. */
export const DEMO_BUDGET: { allocation: number; lines: BudgetLine[] } = {
  allocation: 1500,
  lines: [
    { category: 'Materials', description: 'Fraction tiles (class sets)', quantity: 6, unitCost: 42.5, fundingSource: 'PTA grant', notes: 'Shared with grade 5' },
    { category: 'Materials', description: 'Take-home game kits', quantity: 60, unitCost: 7.25, fundingSource: 'PTA grant', notes: 'One per family' },
    { category: 'Food', description: 'Snacks and drinks', quantity: 120, unitCost: 2.5, fundingSource: 'School budget', notes: '' },
    { category: 'Printing', description: 'Activity booklets', quantity: 150, unitCost: 1.2, fundingSource: 'School budget', notes: 'English and Spanish' },
    { category: 'Staff', description: 'Interpreter (2 hours)', quantity: 2, unitCost: 45, fundingSource: 'Title I family engagement', notes: 'Book by the 15th' },
  ],
};

/** Fills a budget document over its collaboration socket (what the budget editor writes), then waits until it is stored. */
async function fillBudget(base: string, who: Account, docId: string): Promise<void> {
  const headers = { cookie: who.cookie, origin: new URL(base).origin };
  // The stock provider takes a WebSocket class, so the cookie and Origin ride on a subclass.
  class WithHeaders extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${base.replace(/^http/, 'ws')}/yjs`, docId, doc, { WebSocketPolyfill: WithHeaders as unknown as typeof globalThis.WebSocket, disableBc: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new SeedError('the budget document did not sync')), 10_000);
      provider.once('sync', () => (clearTimeout(timer), resolve()));
    });
    const lines = doc.getArray<Y.Map<unknown>>('lines');
    doc.transact(() => {
      doc.getMap('meta').set('allocation', DEMO_BUDGET.allocation);
      doc.getMap('meta').set('currency', 'USD');
      lines.delete(0, lines.length);
      lines.push(DEMO_BUDGET.lines.map((l) => new Y.Map<unknown>(Object.entries(l))));
    });
    // Stored once the CSV export (read from storage) carries the last line.
    for (let i = 0; i < 50; i++) {
      const csv = await fetch(new URL(`/api/docs/${docId}/export?format=csv`, base), { headers: { cookie: who.cookie } }).then((r) => r.text());
      if (csv.includes(DEMO_BUDGET.lines.at(-1)!.description)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new SeedError('the budget was not stored in time');
  } finally {
    provider.destroy();
    doc.destroy();
  }
}

let msgSeq = 0;
const clientMsgId = () => `seed-${Date.now().toString(36)}-${(msgSeq++).toString(36)}`;

/** Seeds the server at `base`; returns what it made. */
export async function seed(base: string, password = 'collaboratory demo'): Promise<SeedResult> {
  const people = {} as Record<Key, Account>;
  for (const p of DEMO_PEOPLE) people[p.key] = await account(base, p, password);
  const { ana, ben, cleo, dana } = people;

  const { space } = await must<{ space: { id: string } }>(base, 'POST', '/api/spaces', {
    name: 'Grade 6 Math PLC',
    kind: 'plc',
    description: 'Weekly PLC of the grade 6 math team: common assessments, data meetings, reteach plans.',
    visibility: 'listed',
  }, ana.cookie);
  const spaceId = space.id;
  for (const [who, role] of [[ben, 'member'], [cleo, 'member'], [dana, 'guest']] as const) {
    const { invite } = await must<{ invite: { code: string } }>(base, 'POST', `/api/spaces/${spaceId}/invites`, { role, maxUses: 1 }, ana.cookie);
    await must(base, 'POST', `/api/invites/${invite.code}/accept`, undefined, who.cookie);
  }

  const docIds: string[] = [];
  for (const [title, template, who] of [
    ['Unit 3: Ratios and rates', 'curriculum-unit', ana],
    ['Lesson 3.4: Unit rates with tape diagrams', 'lesson-plan', ben],
    ['Math night budget 2027', 'budget', cleo],
  ] as const) {
    const { doc } = await must<{ doc: { id: string } }>(base, 'POST', `/api/spaces/${spaceId}/docs`, { title, template }, who.cookie);
    docIds.push(doc.id);
    if (template === 'budget') await fillBudget(base, who, doc.id);
  }

  const { channels } = await must<{ channels: { id: string; name: string }[] }>(base, 'GET', `/api/spaces/${spaceId}/channels`, undefined, ana.cookie);
  const general = channels.find((c) => c.name === 'general')!.id;
  const { channel } = await must<{ channel: { id: string } }>(base, 'POST', `/api/spaces/${spaceId}/channels`, { name: 'grade-6-ratios' }, ana.cookie);

  let first = '';
  await chat(base, ana, spaceId, async (emit) => {
    const sent = (await emit('message:send', { channelId: general, clientMsgId: clientMsgId(), text: 'Welcome to our PLC space! Agenda and norms are on the **Sessions** tab.' })) as { message: { id: string } };
    first = sent.message.id;
    await emit('message:send', { channelId: channel.id, clientMsgId: clientMsgId(), text: 'Exit ticket results for 3.4 are in. @Ben Okafor can you bring your class data on Thursday?', mentions: [ben.id] });
  });
  await chat(base, ben, spaceId, async (emit) => {
    await emit('message:send', { channelId: general, clientMsgId: clientMsgId(), parentId: first, text: 'Thanks Ana. I added the lesson plan for 3.4 under Documents.' });
    await emit('message:send', { channelId: channel.id, clientMsgId: clientMsgId(), text: 'Will do: 18 of 24 met the target, the rest mixed up part and whole.' });
  });
  await chat(base, dana, spaceId, async (emit) => {
    await emit('message:send', { channelId: general, clientMsgId: clientMsgId(), text: 'Hi all, Dana from the family center. Happy to help with math night.' });
  });

  await must(base, 'PUT', `/api/spaces/${spaceId}/norms`, { norms: ['Start and end on time', 'Assume positive intent', 'Student work stays anonymous', 'Every voice is heard'] }, ana.cookie);
  const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
  tomorrow.setUTCHours(20, 30, 0, 0);
  const { session } = await must<{ session: { id: string } }>(base, 'POST', `/api/spaces/${spaceId}/sessions`, {
    title: 'Unit 3 data meeting',
    protocol: 'plc-data-meeting',
    scheduledAt: tomorrow.toISOString(),
    roles: { facilitator: ana.id, timekeeper: ben.id, noteTaker: cleo.id, normKeeper: dana.id },
  }, ana.cookie);
  await must(base, 'POST', `/api/sessions/${session.id}/decisions`, { text: 'Reteach part-to-whole ratios with tape diagrams before the unit test' }, ana.cookie);
  const due = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await must(base, 'POST', `/api/sessions/${session.id}/action-items`, { text: 'Group students for the reteach', ownerId: ben.id, dueDate: due }, ana.cookie);

  return { people, password, spaceId, docIds, channelIds: { general, ratios: channel.id }, sessionId: session.id };
}

function flag(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const base = flag('url', 'http://localhost:3000');
  seed(base, flag('password', 'collaboratory demo'))
    .then((r) => {
      const lines = [
        `Seeded ${base}`,
        '',
        `Log in as any of these (password "${r.password}"):`,
        ...Object.values(r.people).map((p, i) => `  ${p.email}  ${p.name}${['  facilitator', '  member', '  member', '  guest'][i]}`),
        '',
        `Space:    ${base}/spaces/${r.spaceId}`,
        `Document: ${base}/docs/${r.docIds[0]}`,
        `Session:  ${base}/sessions/${r.sessionId}`,
        '',
      ];
      process.stdout.write(lines.join('\n'));
    })
    .catch((err: unknown) => {
      const reachable = !(err instanceof TypeError);
      process.stderr.write(reachable ? `Seeding failed: ${(err as Error).message}\n` : `Cannot reach ${base}: is the server running (npm start)?\n`);
      process.exit(1);
    });
}
