/**
 * Reading marks what was read: once a reader has read past a message (the channel's read marker, or the
 * replies of a thread they have open), the notifications about it are read too, on all their devices at
 * once, so the bell does not keep a badge for a mention already seen in the channel.
 */
import { unreadNotices } from './notify';
import type { ChatDeps } from './service';

/** Marks the caller's notifications about `channelId`'s top-level messages (or one thread's replies) up to `upTo` read, and tells their sockets. */
export async function readNotificationsUpTo(deps: ChatDeps, userId: string, channelId: string, parentId: string | null, upTo: { id: string; seq: number }): Promise<void> {
  const changed = await deps.repo.notifications.markMessageRead(userId, channelId, parentId, upTo, new Date(deps.ctx.now()));
  if (changed === 0) return;
  deps.out.toUsers(userId, 'notification:read', { unread: await unreadNotices(deps, userId) });
}
