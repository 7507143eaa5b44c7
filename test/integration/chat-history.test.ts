/**
 * History and catch-up by sequence over HTTP (one process): every message carries its `seq`, `afterSeq` /
 * `beforeSeq` page by it, thread replies share the channel's sequence, and cursors are checked.
 */
import { io as ioClient } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../shared/chat';
import { call, cid, connectSocket, data, next, spaceWith, useChatServer, type ChatSocket } from '../helpers/chat';

const { server, tick } = useChatServer();

const ids = (ms: ChatMessage[]) => ms.map((m) => m.id);

describe('history by sequence', () => {
  it('numbers messages 1, 2, 3 … per channel (replies too) and pages by afterSeq and beforeSeq', async () => {
    const { spaceId, general, fac } = await spaceWith(server().url);
    const a = await connectSocket(server().url, fac.client.cookie);
    data(await call(a, 'space:join', { spaceId }));
    const send = async (text: string, parentId?: string) => {
      tick(1_000);
      return data(await call(a, 'message:send', { channelId: general, text, clientMsgId: cid(), ...(parentId ? { parentId } : {}) })).message;
    };
    const live = next(a, 'message:new');
    const first = await send('first');
    expect(first.seq).toBe(1);
    expect((await live).message.seq).toBe(1);
    const reply = await send('a reply', first.id);
    const rest = [await send('second'), await send('third'), await send('fourth')];
    expect([reply.seq, ...rest.map((m) => m.seq)]).toEqual([2, 3, 4, 5]);

    const get = (q: string) => fac.client.get(`/api/channels/${general}/messages?${q}`);
    const caught = await get('afterSeq=1&limit=2');
    expect(caught.status).toBe(200);
    expect(ids(caught.body.messages)).toEqual(ids(rest.slice(0, 2)));
    expect(caught.body.hasMore).toBe(true);
    expect(ids((await get('afterSeq=0')).body.messages)).toEqual(ids([first, ...rest]));
    expect(ids((await get('beforeSeq=5')).body.messages)).toEqual(ids([first, ...rest.slice(0, 2)]));
    expect(ids((await get(`after=${rest[1]!.id}`)).body.messages)).toEqual(ids(rest.slice(2)));
    expect((await get('afterSeq=5')).body).toEqual({ messages: [], hasMore: false });
    const thread = await fac.client.get(`/api/messages/${first.id}/thread`);
    expect(ids(thread.body.replies)).toEqual([reply.id]);
    expect(ids((await get(`parentId=${first.id}&afterSeq=0`)).body.messages)).toEqual([reply.id]);
  });

  it('refuses bad and foreign cursors', async () => {
    const one = await spaceWith(server().url);
    const two = await spaceWith(server().url);
    const a = await connectSocket(server().url, two.fac.client.cookie);
    tick(1_000);
    const elsewhere = data(await call(a, 'message:send', { channelId: two.general, text: 'in another channel', clientMsgId: cid() })).message;
    const get = (q: string) => one.fac.client.get(`/api/channels/${one.general}/messages?${q}`);
    for (const bad of ['afterSeq=-1', 'afterSeq=1.5', 'afterSeq=abc', 'beforeSeq=1&afterSeq=2', 'after=abcdefgh&afterSeq=1']) {
      const r = await get(bad);
      expect(r.status, bad).toBe(400);
      expect(r.body.error.code).toBe('invalid_payload');
    }
    // A message id of another channel (or none at all) is no cursor here.
    for (const q of [`after=${elsewhere.id}`, 'before=nosuchmessage1']) {
      const r = await get(q);
      expect(r.status, q).toBe(404);
      expect(r.body.error.code).toBe('not_found');
    }
  });

  it('a dropped connection is not "recovered" by Socket.IO: what was missed comes from catch-up by sequence (docs/SCALING.md)', async () => {
    const { spaceId, general, fac } = await spaceWith(server().url);
    const socket: ChatSocket = ioClient(server().url, { transports: ['websocket'], extraHeaders: { cookie: fac.client.cookie }, forceNew: true, reconnectionDelay: 50 });
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      // A broadcast received gives the client an offset to resume from, were recovery on.
      data(await call(socket, 'space:join', { spaceId }));
      const heard = next(socket, 'message:new');
      tick(1_000);
      data(await call(socket, 'message:send', { channelId: general, text: 'before the drop', clientMsgId: cid() }));
      await heard;
      const back = new Promise<void>((resolve) => socket.io.once('reconnect', () => resolve()));
      socket.io.engine.close(); // the network drops; the client reconnects by itself
      await back;
      await new Promise<void>((resolve) => (socket.connected ? resolve() : socket.once('connect', () => resolve())));
      // Recovery would replay missed packets before the login is checked again; it stays off.
      expect(socket.recovered).toBeFalsy();
    } finally {
      socket.close();
    }
  });
});
