/**
 * Socket.IO events of the discussion, declared with the realtime kit (parse -> limit -> run -> ack);
 * each command authorizes itself, as it does for the HTTP routes. `space:join` and presence belong to
 * the realtime spaces layer.
 */
import { deletePayload, editPayload, notificationReadPayload, reactionPayload, readPayload, sendPayload, typingPayload } from '../../shared/chat';
import { on, type Conn, type EventHandler } from '../realtime/kit';
import { spaceRoom } from '../realtime/rooms';
import { deleteMessage, editMessage, sendMessage, toggleReaction } from './messages';
import { markRead, readNotifications } from './reading';
import { channelById, type ChatDeps } from './service';

/** The discussion's events. */
export function chatEvents(deps: ChatDeps): EventHandler[] {
  const author = (c: Conn) => ({ id: c.userId, name: c.name });
  const limit = deps.eventLimit;
  return [
    // Sends count against their own, stricter limit inside sendMessage, after the idempotency lookup.
    on('message:send', { schema: sendPayload, limit: null, run: async (p, c) => ({ message: (await sendMessage(deps, author(c), p)).message }) }),
    on('message:edit', { schema: editPayload, limit, run: async (p, c) => ({ message: await editMessage(deps, author(c), p.messageId, p.text) }) }),
    on('message:delete', { schema: deletePayload, limit, run: (p, c) => deleteMessage(deps, author(c), p.messageId, p.reason) }),
    on('reaction:toggle', { schema: reactionPayload, limit, run: (p, c) => toggleReaction(deps, c.userId, p.messageId, p.emoji) }),
    on('channel:read', { schema: readPayload, limit, run: (p, c) => markRead(deps, c.userId, p.channelId, p.messageId) }),
    on('notification:read', { schema: notificationReadPayload, limit, run: (p, c) => readNotifications(deps, c.userId, p) }),
    // Typing is relayed only into spaces this connection joined (membership was checked then, and removal
    // makes it leave), so it costs no store read; starts are throttled per user and channel, stops always pass.
    on('typing', {
      schema: typingPayload,
      limit,
      async run({ channelId, typing }, c) {
        const channel = await channelById(deps, channelId);
        if (!channel || !c.in(spaceRoom(channel.spaceId))) return {};
        if (typing && !(await deps.typingLimit.consume(`${c.userId}:${channelId}`))) return {};
        c.toOthers(spaceRoom(channel.spaceId), 'typing', { spaceId: channel.spaceId, channelId, user: author(c), typing });
        return {};
      },
    }),
  ];
}
