/** In-app notifications for mentions and thread replies, stored and pushed to the person's own sockets. */
import type { SpaceRecord } from '../repos/records';
import { newSortableId } from '../ids';
import { presentNotification } from './presenters';
import type { MessageRecord, NoticeSubject, NotificationRecord } from './records';
import { channelById, type ChatDeps } from './service';

/**
 * The spaces whose notifications `userId` sees: those they are a member of that are not deleted. The bell's
 * list, its unread badge and the email digest all count these only, so a space left or deleted (until it is
 * restored) neither shows nor keeps a badge nobody can clear.
 */
export async function noticeSpaces(deps: ChatDeps, userId: string): Promise<SpaceRecord[]> {
  const ids = (await deps.ctx.repos.memberships.ofUser(userId)).map((m) => m.spaceId);
  return ids.length ? deps.ctx.repos.spaces.byIds(ids) : [];
}

/** The ids of noticeSpaces. */
export const noticeSpaceIds = async (deps: ChatDeps, userId: string): Promise<string[]> => (await noticeSpaces(deps, userId)).map((sp) => sp._id);

/** The unread count of the bell (see noticeSpaces). */
export async function unreadNotices(deps: ChatDeps, userId: string): Promise<number> {
  return deps.repo.notifications.countUnread(userId, await noticeSpaceIds(deps, userId));
}

const excerptOf = (text: string) => (text.length > 140 ? `${text.slice(0, 139)}…` : text);

/**
 * Stores `n` unless its person is no longer in the space; false when it was not kept. Notifications are
 * written after the answer to whoever caused them, so one can land just after its person left the space
 * or deleted the account (which removes the membership first, then erases that person's notifications):
 * checking the membership AFTER the insert catches every such late one.
 */
export async function storeNotification(deps: ChatDeps, n: NotificationRecord): Promise<boolean> {
  await deps.repo.notifications.insert(n);
  if (await deps.ctx.repos.memberships.get(n.spaceId, n.userId)) return true;
  await deps.repo.notifications.remove(n._id);
  return false;
}

/**
 * Notifies each mentioned member, and the thread's author of a reply. Runs after the sender's ack, so a
 * failure is logged, never turned into a failed send.
 */
export async function notify(
  deps: ChatDeps,
  m: MessageRecord,
  actor: { id: string; name: string },
  mentioned: string[],
  replyTo: string | null,
): Promise<void> {
  try {
    const targets: [string, NotificationRecord['kind']][] = mentioned.map((id) => [id, 'mention']);
    if (replyTo) targets.push([replyTo, 'reply']);
    if (targets.length === 0) return;
    const [space, channel] = await Promise.all([deps.ctx.repos.spaces.byId(m.spaceId), channelById(deps, m.channelId)]);
    for (const [userId, kind] of targets) {
      const n: NotificationRecord = {
        _id: newSortableId(deps.ctx.now()),
        userId,
        kind,
        spaceId: m.spaceId,
        channelId: m.channelId,
        messageId: m._id,
        messageSeq: m.seq,
        parentId: m.parentId,
        actorId: actor.id,
        actorName: actor.name,
        excerpt: excerptOf(m.text),
        createdAt: new Date(deps.ctx.now()),
        readAt: null,
      };
      if (!(await storeNotification(deps, n))) continue;
      const unread = await unreadNotices(deps, userId);
      const notification = presentNotification(n, space?.name ?? '', channel?.name ?? '');
      deps.out.toUsers(userId, 'notification:new', { notification, unread });
      deps.ctx.bus.emit('notification:created', { userId, notification });
    }
  } catch (err) {
    deps.ctx.logger.error({ err, messageId: m._id }, 'chat notification failed');
  }
}

/**
 * Removes the notifications about something that was removed (a message, a comment thread, one comment):
 * their excerpt must not outlive it, and they would lead nowhere. Each person's open bells hear
 * `notification:removed` with the new unread count. Called before a moderation is made final, so the
 * repair after a crash withdraws them too.
 */
export async function withdrawNotices(deps: ChatDeps, subject: NoticeSubject): Promise<void> {
  const found = await deps.repo.notifications.about(subject);
  if (!found.length) return;
  await deps.repo.notifications.removeIds(found.map((n) => n._id));
  const byUser = new Map<string, string[]>();
  for (const n of found) byUser.set(n.userId, [...(byUser.get(n.userId) ?? []), n._id]);
  for (const [userId, ids] of byUser) deps.out.toUsers(userId, 'notification:removed', { ids, unread: await unreadNotices(deps, userId) });
}

/** A notification another feature asks for (a comment on a document), shown in the same bell. */
export interface Notice {
  userId: string;
  kind: 'comment-mention' | 'comment-reply' | 'comment-thread';
  spaceId: string;
  docId: string;
  docTitle: string;
  threadId: string;
  /** The comment it is about (removing it withdraws the notification). */
  commentId: string;
  actor: { id: string; name: string };
  excerpt: string;
}

/** Stores a comment notification and pushes it to the person's sockets. */
export async function notifyNotice(deps: ChatDeps, notice: Notice): Promise<void> {
  const n: NotificationRecord = {
    _id: newSortableId(deps.ctx.now()),
    userId: notice.userId,
    kind: notice.kind,
    spaceId: notice.spaceId,
    channelId: null,
    messageId: null,
    docId: notice.docId,
    docTitle: notice.docTitle,
    threadId: notice.threadId,
    commentId: notice.commentId,
    parentId: null,
    actorId: notice.actor.id,
    actorName: notice.actor.name,
    excerpt: excerptOf(notice.excerpt),
    createdAt: new Date(deps.ctx.now()),
    readAt: null,
  };
  if (!(await storeNotification(deps, n))) return;
  const [space, unread] = await Promise.all([deps.ctx.repos.spaces.byId(notice.spaceId), unreadNotices(deps, notice.userId)]);
  const notification = presentNotification(n, space?.name ?? '', '');
  deps.out.toUsers(notice.userId, 'notification:new', { notification, unread });
  deps.ctx.bus.emit('notification:created', { userId: notice.userId, notification });
}
