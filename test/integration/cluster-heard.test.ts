/**
 * Broadcasts heard from another process (RealtimePort.heard), over a real Redis: two apps in this test
 * process stand for two server processes (one store, one Redis, an adapter and a bus each), so that what
 * each one stores can be counted. A message sent on A is heard on B and never on A itself; and B's next
 * message in that channel is numbered above A's at once, with one insert, where B's stale number used to be
 * refused by the store first (server/chat/sequence.ts). And a process whose Redis connection is gone still
 * answers a join with its own people instead of failing the question unhandled. Skips with a printed
 * reason when Redis is missing.
 */
import { describe, expect, it } from 'vitest';
import type { Feature } from '../../server/feature';
import type { Store } from '../../server/store/port';
import { call, cid, closeSockets, connectSocket, data, spaceWith, type ChatSocket } from '../helpers/chat';
import { useInProcessCluster } from '../helpers/inprocess-cluster';
import { viewOfStore, withMethods } from '../helpers/stores';

const { skip, cluster } = useInProcessCluster('cluster-heard', closeSockets);

/** What one app stored and heard: message inserts it made, and the texts of the messages it heard. */
interface Seen {
  inserts: number;
  heard: string[];
}

/** The shared store, seen by one app: its message inserts are counted (each one that reaches the store). */
function counting(inner: Store, seen: Seen): Store {
  return viewOfStore(inner, (name, c) =>
    name !== 'messages'
      ? c
      : withMethods(c, {
          insertOne(doc) {
            seen.inserts++;
            return c.insertOne(doc);
          },
        }),
  );
}

/** One "process": every feature, plus one that records the `message:new` broadcasts it hears. */
async function startApp(seen: Seen) {
  const probe: Feature = {
    name: 'probe',
    create(_ctx, ports) {
      const off = ports.realtime.heard('message:new', (p) => void seen.heard.push(p.message.text));
      return { close: async () => off() };
    },
  };
  return cluster.start({ storeView: (store) => counting(store, seen), extra: [probe] });
}

describe.skipIf(skip)('broadcasts heard from another process', () => {
  it('A message sent on A is heard on B only, and B numbers its next message above it with one insert', async () => {
    const a: Seen = { inserts: 0, heard: [] };
    const b: Seen = { inserts: 0, heard: [] };
    const [urlA, urlB] = [(await startApp(a)).url, (await startApp(b)).url];
    const { spaceId, general, people } = await spaceWith(urlA, [{ name: 'Ann Onprocess-A' }, { name: 'Ben Onprocess-B' }]);
    const [ann, ben] = people as [(typeof people)[0], (typeof people)[0]];
    const annSocket: ChatSocket = await connectSocket(urlA, ann.client.cookie);
    const benSocket: ChatSocket = await connectSocket(urlB, ben.client.cookie);
    for (const s of [annSocket, benSocket]) data(await call(s, 'space:join', { spaceId }));
    const send = async (s: ChatSocket, text: string) => data(await call(s, 'message:send', { channelId: general, text, clientMsgId: cid() })).message;

    // B sends first: it now knows the channel's last number (1).
    expect((await send(benSocket, 'from B')).seq).toBe(1);
    // A sends: B hears it as it arrives through Redis; A does not hear its own broadcast.
    expect((await send(annSocket, 'from A')).seq).toBe(2);
    await expect.poll(() => b.heard, { timeout: 5_000 }).toEqual(['from A']);
    await expect.poll(() => a.heard, { timeout: 5_000 }).toEqual(['from B']);

    // B's next message goes straight to number 3: one insert. Without what it heard, B would first try 2
    // (its own last number + 1), be refused, read the highest and insert again.
    b.inserts = 0;
    expect((await send(benSocket, 'from B again')).seq).toBe(3);
    expect(b.inserts).toBe(1);
  });

  it('Redis closed under a process: joining a space still answers with the people there, and the process lives on', async () => {
    const c: Seen = { inserts: 0, heard: [] };
    const node = await startApp(c);
    const url = node.url;
    const { spaceId, people } = await spaceWith(url, [{ name: 'Cleo Alone' }]);
    // The connection the adapter asks "how many processes are there?" on is gone (as at shutdown, or when it
    // drops with the question in flight). The question used to fail unhandled, which ends a process.
    await node.cluster.client.close();
    const socket = await connectSocket(url, people[0]!.client.cookie);
    const joined = data(await call(socket, 'space:join', { spaceId }));
    expect(joined.online.map((p) => p.name)).toEqual(['Cleo Alone']);
    // Leaving asks again (the others are told who is still online); vitest fails the run on an unhandled rejection.
    socket.disconnect();
    await new Promise((r) => setTimeout(r, 500));
  });
});
