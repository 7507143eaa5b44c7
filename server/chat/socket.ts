/**
 * Socket.IO handlers of the discussion. Each client event is validated with its strict schema, answered
 * with `{ data }` or `{ error }`, and never throws out of the handler; a missing ack callback is fine.
 */
import type { z } from 'zod';
import {
  deletePayload,
  editPayload,
  notificationReadPayload,
  reactionPayload,
  readPayload,
  sendPayload,
  spaceRefPayload,
  typingPayload,
} from '../../shared/chat';
import type { Ack } from '../../shared/errors';
import type { ClientToServerEvents } from '../../shared/events';
import { accessSpace } from '../commands/access';
import { fromZod, toAppError } from '../errors';
import type { IoSocket } from '../realtime/io';
import { spaceRoom } from '../realtime/io';
import { deleteMessage, editMessage, sendMessage, toggleReaction } from './messages';
import type { PresenceTracker } from './presence';
import { markRead, readNotifications } from './reading';
import { channelById, type ChatDeps } from './service';

type AckData<E extends keyof ClientToServerEvents> =
  Parameters<Parameters<ClientToServerEvents[E]>[1]>[0] extends Ack<infer T> ? T : never;

/** Registers the discussion handlers on one authenticated socket. */
export function chatSocket(deps: ChatDeps, presence: PresenceTracker, socket: IoSocket): void {
  const log = deps.ctx.logger.child({ cat: 'chat' });
  const user = () => ({ id: socket.data.userId, name: socket.data.name });

  function handle<E extends keyof ClientToServerEvents, S extends z.ZodType>(
    event: E,
    schema: S,
    run: (payload: z.infer<S>) => Promise<AckData<E>>,
    limited = true,
  ) {
    (socket as unknown as { on(e: string, l: (...a: unknown[]) => void): void }).on(event, async (payload: unknown, ack: unknown) => {
      // `emit(event, cb)` with no payload puts the callback first.
      if (typeof payload === 'function' && ack === undefined) [payload, ack] = [undefined, payload];
      const reply = typeof ack === 'function' ? (ack as (r: Ack<AckData<E>>) => void) : () => {};
      try {
        if (limited) deps.eventLimit.take(socket.data.userId);
        const r = schema.safeParse(payload ?? {});
        if (!r.success) throw fromZod(r.error, 'payload');
        reply({ data: await run(r.data) });
      } catch (err) {
        const e = toAppError(err);
        if (e.code === 'internal') log.error({ err, event, userId: socket.data.userId }, 'chat handler failed');
        reply({ error: e.toBody() });
      }
    });
  }

  handle('space:join', spaceRefPayload, async ({ spaceId }) => {
    await accessSpace(deps.ctx, spaceId, socket.data.userId, 'channels.read');
    await socket.join(spaceRoom(spaceId));
    const online = presence.join(spaceId, socket.id, { userId: socket.data.userId, name: socket.data.name });
    presence.changed(spaceId);
    return { online };
  });

  handle('space:leave', spaceRefPayload, async ({ spaceId }) => {
    await socket.leave(spaceRoom(spaceId));
    if (presence.leave(spaceId, socket.id)) presence.changed(spaceId);
    return {};
  });

  // Sends have their own, stricter bucket (inside sendMessage, after the idempotency lookup).
  handle('message:send', sendPayload, async (p) => ({ message: (await sendMessage(deps, user(), p)).message }), false);
  handle('message:edit', editPayload, async (p) => ({ message: await editMessage(deps, user(), p.messageId, p.text) }));
  handle('message:delete', deletePayload, (p) => deleteMessage(deps, user(), p.messageId, p.reason));
  handle('reaction:toggle', reactionPayload, (p) => toggleReaction(deps, socket.data.userId, p.messageId, p.emoji));
  handle('channel:read', readPayload, (p) => markRead(deps, socket.data.userId, p.channelId, p.messageId));
  handle('notification:read', notificationReadPayload, (p) => readNotifications(deps, socket.data.userId, p));

  // Typing is relayed only for spaces this socket joined (membership was checked then, and removal makes
  // it leave), so it costs no store read; starts are throttled per user and channel, stops always pass.
  handle('typing', typingPayload, async ({ channelId, typing }) => {
    const channel = await channelById(deps, channelId);
    if (!channel || !presence.has(channel.spaceId, socket.id)) return {};
    if (typing && !deps.typingLimit.tryTake(`${socket.data.userId}:${channelId}`)) return {};
    socket.to(spaceRoom(channel.spaceId)).emit('typing', { spaceId: channel.spaceId, channelId, user: user(), typing });
    return {};
  });

  socket.on('disconnecting', () => {
    for (const spaceId of presence.spacesOf(socket.id)) if (presence.leave(spaceId, socket.id)) presence.changed(spaceId);
  });
}
