/**
 * Two real server processes on one Redis and one MongoDB (FerretDB): writers on both processes send to one
 * channel at once while a reader catches up by sequence on one process, then reconnects to the other and
 * goes on from its cursor. It must see every message exactly once, in order, with no gap. And a channel
 * archived on one process is refused at once on the other (its channel cache is invalidated through the
 * bus). Skips with a printed reason when Redis or MongoDB is missing.
 */
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../shared/chat';
import { call, cid, closeSockets, connectSocket, data, record, sleep, spaceWith, type ChatSocket } from '../helpers/chat';
import { useTwoProcesses } from '../helpers/cluster';
import { ApiClient } from '../helpers/server';
import { waitFor } from '../helpers/wait';

const { skip, urls } = useTwoProcesses('cluster-chat-order', closeSockets);

const via = (client: ApiClient, url: string) => Object.assign(new ApiClient(url), { cookie: client.cookie });

/** A reader that catches up by `afterSeq`, as the client does after a reconnection, on whichever process. */
function seqReader(channelId: string) {
  const seen: ChatMessage[] = [];
  let cursor = 0;
  return {
    seen,
    async catchUp(api: ApiClient) {
      for (;;) {
        const r = await api.get(`/api/channels/${channelId}/messages?afterSeq=${cursor}&limit=7`);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        const page = r.body.messages as ChatMessage[];
        seen.push(...page);
        cursor = page[page.length - 1]?.seq ?? cursor;
        if (!r.body.hasMore) return;
      }
    },
  };
}

/** Sends `count` messages one after the other (each after the previous ack); returns the acked messages. */
async function sendMany(socket: ChatSocket, channelId: string, label: string, count: number): Promise<ChatMessage[]> {
  const out: ChatMessage[] = [];
  for (let i = 0; i < count; i++) out.push(data(await call(socket, 'message:send', { channelId, text: `${label} ${i}`, clientMsgId: cid() })).message);
  return out;
}

/** Every writer sends `count` messages at once while the reader keeps catching up through `api`. */
async function writeWhileReading(writers: ChatSocket[], channelId: string, label: string, count: number, reader: ReturnType<typeof seqReader>, api: ApiClient) {
  let writing = true;
  const polling = (async () => {
    while (writing) {
      await reader.catchUp(api);
      await sleep(5);
    }
  })();
  const sent = await Promise.all(writers.map((w, i) => sendMany(w, channelId, `${label} w${i}`, count)));
  writing = false;
  await polling;
  await reader.catchUp(api);
  return sent;
}

describe.skipIf(skip)('chat order across two processes', () => {
  it('writers on both processes, a reader catching up on B then on A: every message once, in order, no gap', async () => {
    const [A, B] = urls();
    const { spaceId, general, fac, people } = await spaceWith(A, [{ name: 'Wes Writer' }, { name: 'Wren Writer' }, { name: 'Walt Writer' }, { name: 'Rae Reader' }]);
    const [w1, w2, w3, rae] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0], (typeof people)[0]];
    const writers = [
      await connectSocket(A, fac.client.cookie),
      await connectSocket(A, w1.client.cookie),
      await connectSocket(B, w2.client.cookie),
      await connectSocket(B, w3.client.cookie),
    ];
    for (const w of writers) data(await call(w, 'space:join', { spaceId }));
    let live = await connectSocket(B, rae.client.cookie);
    data(await call(live, 'space:join', { spaceId }));
    const liveOnB = record(live, 'message:new');
    const reader = seqReader(general);

    // Phase 1: everyone writes at once; the reader polls catch-up on B meanwhile.
    const phase1 = await writeWhileReading(writers, general, 'p1', 6, reader, via(rae.client, B));
    // Broadcasts from A cross Redis and may trail the acks: wait for all of them, then give a duplicate time.
    await waitFor(() => liveOnB.length >= phase1.flat().length, 'every phase-1 broadcast on B');
    await sleep(300); // a duplicated broadcast would have arrived by now
    expect(liveOnB.map((p) => p.message.seq).sort((x, y) => x - y)).toEqual(phase1.flat().map((m) => m.seq).sort((x, y) => x - y));

    // The reader's process goes away for it: it reconnects to A and goes on from its cursor while all write again.
    live.disconnect();
    live = await connectSocket(A, rae.client.cookie);
    data(await call(live, 'space:join', { spaceId }));
    const phase2 = await writeWhileReading(writers, general, 'p2', 4, reader, via(rae.client, A));

    const acked = [...phase1.flat(), ...phase2.flat()];
    // Exactly once, in order, no gap: the reader's sequence is 1..N and holds every acknowledged message.
    expect(reader.seen.map((m) => m.seq)).toEqual(acked.map((_, i) => i + 1));
    expect(reader.seen.map((m) => m.id).sort()).toEqual(acked.map((m) => m.id).sort());
    // Each writer's messages keep the order they were sent (and acknowledged) in.
    const position = new Map(reader.seen.map((m) => [m.id, m.seq]));
    for (const mine of [...phase1, ...phase2]) {
      const seqs = mine.map((m) => position.get(m.id)!);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    }
    // Paging back from the newest through B gives the same history.
    const back: ChatMessage[] = [];
    let before = '';
    for (;;) {
      const r = await via(fac.client, B).get(`/api/channels/${general}/messages?limit=9${before}`);
      back.unshift(...(r.body.messages as ChatMessage[]));
      if (!r.body.hasMore) break;
      before = `&before=${r.body.messages[0].id}`;
    }
    expect(back.map((m) => m.id)).toEqual(reader.seen.map((m) => m.id));
  });

  it('a channel archived on A is refused on B at once, and reopened there when unarchived (channel cache across processes)', async () => {
    const [A, B] = urls();
    const { spaceId, fac, people } = await spaceWith(A, [{ name: 'Cal Cached' }]);
    const created = await fac.client.post(`/api/spaces/${spaceId}/channels`, { name: 'grade-7-math' });
    expect(created.status).toBe(201);
    const channelId: string = created.body.channel.id;
    const onB = await connectSocket(B, people[0]!.client.cookie);
    // B has the channel in its cache now.
    data(await call(onB, 'message:send', { channelId, text: 'before', clientMsgId: cid() }));

    const send = () => call(onB, 'message:send', { channelId, text: 'try', clientMsgId: cid() });
    expect((await fac.client.patch(`/api/channels/${channelId}`, { archived: true })).status).toBe(200);
    // Within well under the cache's 30 s safety expiry: only the relayed invalidation can do this.
    const refusedBy = Date.now() + 3_000;
    let ack = await send();
    while ('data' in ack && Date.now() < refusedBy) {
      await sleep(100);
      ack = await send();
    }
    expect('error' in ack && ack.error.code).toBe('forbidden');

    expect((await fac.client.patch(`/api/channels/${channelId}`, { archived: false })).status).toBe(200);
    const acceptedBy = Date.now() + 3_000;
    ack = await send();
    while ('error' in ack && Date.now() < acceptedBy) {
      await sleep(100);
      ack = await send();
    }
    expect('data' in ack).toBe(true);
  });
});
