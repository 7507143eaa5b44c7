/**
 * Who is in a live session's room. Regression (issue 11): `session:join` joined the live room before checking access, so someone who may
 * not see the session received its broadcasts while the check ran. The store answers one person's
 * membership lookups slowly (a network fault: 300 ms of latency), which holds that window open long
 * enough to see it; with the check first, nothing reaches them.
 */
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../server/app';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { openEmbeddedStore } from '../../server/store/embedded';
import type { Collection, Doc, Store } from '../../server/store/port';
import { call, closeSockets, connectSocket, data, next, record, sleep, spaceWith } from '../helpers/chat';
import { signupUser, tempDir } from '../helpers/server';

/** The store, with membership lookups for `slowUser` delayed by `ms`. */
function slowMembershipsFor(store: Store, slowUser: () => string | null, ms: number): Store {
  return {
    get kind() {
      return store.kind;
    },
    collection<T extends Doc>(name: string): Collection<T> {
      const c = store.collection<T>(name);
      if (name !== 'memberships') return c;
      return new Proxy(c, {
        get(target, prop) {
          const value = Reflect.get(target, prop) as unknown;
          if (prop !== 'findOne') return typeof value === 'function' ? value.bind(target) : value;
          return async (filter: Record<string, unknown>) => {
            if (slowUser() && filter.userId === slowUser()) await sleep(ms);
            return target.findOne(filter);
          };
        },
      });
    },
    ensureIndexes: (specs) => store.ensureIndexes(specs),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

let dataDir: string;
let store: Store;
let app: App;
let url: string;
let slow: string | null = null;

beforeAll(async () => {
  dataDir = tempDir('sessions-join-');
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
  store = await openEmbeddedStore(dataDir);
  app = await createApp({ config, store: slowMembershipsFor(store, () => slow, 300), logger: createLogger(config.logLevel) });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  closeSockets();
  await app.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('session:join checks access before joining the live room', () => {
  it('a non-member joining a running session gets not_found and never one of its broadcasts', async () => {
    const fac = await signupUser(url, 'Facilitator');
    const stranger = await signupUser(url, 'Stranger');
    const spaceId = (await fac.client.post('/api/spaces', { name: 'Private PLC', kind: 'plc' })).body.space.id;
    const created = await fac.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'Data meeting', steps: [{ title: 'Look', minutes: 5 }] });
    expect(created.status).toBe(201);
    const sessionId: string = created.body.session.id;
    const f = await connectSocket(url, fac.client.cookie);
    data(await call(f, 'session:join', { sessionId }));
    data(await call(f, 'session:control', { sessionId, action: 'start' }));

    const s = await connectSocket(url, stranger.client.cookie);
    const seen = record(s, 'session:state');
    slow = stranger.user.id;
    const joining = call(s, 'session:join', { sessionId });
    await sleep(100); // the stranger's access check is under way
    data(await call(f, 'hand:raise', { sessionId })); // broadcast to the live room
    const res = await joining;
    slow = null;
    expect('error' in res && res.error.code).toBe('not_found');
    data(await call(f, 'hand:lower', { sessionId })); // another broadcast, after the refusal
    await sleep(150);
    expect(seen).toEqual([]);
  });

  it('a member removed from the space leaves its live rooms at once: no more session events', async () => {
    const { fac, people, spaceId } = await spaceWith(url, [{ name: 'Member' }]);
    const created = await fac.client.post(`/api/spaces/${spaceId}/sessions`, { title: 'Data meeting', steps: [{ title: 'Look', minutes: 5 }] });
    const sessionId: string = created.body.session.id;
    const f = await connectSocket(url, fac.client.cookie);
    const m = await connectSocket(url, people[0]!.client.cookie);
    data(await call(f, 'session:join', { sessionId }));
    data(await call(m, 'session:join', { sessionId }));
    const started = next(m, 'session:state');
    data(await call(f, 'session:control', { sessionId, action: 'start' }));
    expect((await started).state.status).toBe('running');

    const removed = next(m, 'space:removed');
    expect((await fac.client.delete(`/api/spaces/${spaceId}/members/${people[0]!.user.id}`)).status).toBe(204);
    expect(await removed).toEqual({ spaceId });
    const seen = record(m, 'session:state');
    data(await call(f, 'hand:raise', { sessionId }));
    await sleep(150);
    expect(seen).toEqual([]);
    expect(m.connected).toBe(true);
  });
});
