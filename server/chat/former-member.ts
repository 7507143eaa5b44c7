/**
 * When an account is deleted, the discussion forgets who wrote what: messages stay under "Former member"
 * (or are erased, text and all, when the person asked), notifications they caused lose their name, and
 * their own notifications and read markers go. Chat's own collections only; the account feature asks
 * through the `user:deleted` bus event.
 */
import { FORMER_MEMBER } from '../../shared/types';
import type { MessageRecord, ModerationRecord, NotificationRecord, ReadMarkerRecord } from './records';
import type { ChatDeps } from './service';

/** Listens for deleted accounts; returns the unsubscribe. */
export function forgetDeletedAuthors(deps: ChatDeps): () => void {
  return deps.ctx.bus.on('user:deleted', ({ userId, erase }) => forgetAuthor(deps, userId, erase));
}

/** Makes `userId`'s messages "Former member"'s, or erases them (a deleted message keeps its place in threads). */
export async function forgetAuthor(deps: ChatDeps, userId: string, erase: boolean): Promise<void> {
  const { store } = deps.ctx;
  const messages = store.collection<MessageRecord>('messages');
  const notifications = store.collection<NotificationRecord>('notifications');
  if (erase) {
    await messages.updateMany({ authorId: userId, deletedAt: null }, { $set: { deletedAt: new Date(deps.ctx.now()), deletedBy: userId } });
    await messages.updateMany({ authorId: userId }, { $set: { authorName: FORMER_MEMBER, text: '', words: [], mentions: [], reactions: {} } });
    await notifications.updateMany({ actorId: userId }, { $set: { actorName: FORMER_MEMBER, excerpt: '' } });
    await store.collection<ModerationRecord>('moderationLog').updateMany({ authorId: userId }, { $set: { text: '' } });
  } else {
    await messages.updateMany({ authorId: userId }, { $set: { authorName: FORMER_MEMBER } });
    await notifications.updateMany({ actorId: userId }, { $set: { actorName: FORMER_MEMBER } });
  }
  await notifications.deleteMany({ userId });
  await store.collection<ReadMarkerRecord>('channelReads').deleteMany({ userId });
}
