/** Discussion presenters: stored records -> the public shapes of shared/chat.ts. */
import { REACTIONS, type Channel, type ChatMessage, type ChatNotification, type ModerationEntry, type Reaction } from '../../shared/chat';
import type { ChannelRecord, MessageRecord, ModerationRecord, NotificationRecord } from './records';

export const presentChannel = (c: ChannelRecord): Channel => ({
  id: c._id,
  spaceId: c.spaceId,
  name: c.name,
  archived: c.archived,
  createdAt: c.createdAt.toISOString(),
});

/** Reactions in the fixed order of REACTIONS, only those someone chose. */
export function presentReactions(r: Record<string, string[]> | undefined): Reaction[] {
  const out: Reaction[] = [];
  if (!r) return out;
  for (const { key, emoji } of REACTIONS) {
    const ids = r[key];
    if (ids && ids.length > 0) out.push({ emoji, count: ids.length, userIds: ids });
  }
  return out;
}

/** A message for every client; a deleted one keeps its place but loses its text, reactions and mentions. */
export function presentMessage(m: MessageRecord): ChatMessage {
  const deleted = m.deletedAt !== null;
  return {
    id: m._id,
    channelId: m.channelId,
    spaceId: m.spaceId,
    seq: m.seq,
    author: { id: m.authorId, name: m.authorName },
    text: deleted ? '' : m.text,
    parentId: m.parentId,
    clientMsgId: m.clientMsgId,
    createdAt: m.createdAt.toISOString(),
    editedAt: m.editedAt ? m.editedAt.toISOString() : null,
    deleted,
    replyCount: m.replyCount,
    lastReplyAt: m.lastReplyAt ? m.lastReplyAt.toISOString() : null,
    reactions: deleted ? [] : presentReactions(m.reactions),
    mentions: deleted ? [] : m.mentions,
  };
}

export const presentNotification = (n: NotificationRecord, spaceName: string, channelName: string): ChatNotification => ({
  id: n._id,
  kind: n.kind,
  spaceId: n.spaceId,
  spaceName,
  channelId: n.channelId,
  channelName,
  messageId: n.messageId,
  docId: n.docId ?? null,
  docTitle: n.docTitle ?? '',
  threadId: n.threadId ?? null,
  parentId: n.parentId,
  actor: { id: n.actorId, name: n.actorName },
  excerpt: n.excerpt,
  createdAt: n.createdAt.toISOString(),
  read: n.readAt !== null,
});

export const presentModeration = (m: ModerationRecord, names: Map<string, string>, channelNames: Map<string, string>): ModerationEntry => ({
  id: m._id,
  spaceId: m.spaceId,
  channelId: m.channelId,
  channelName: channelNames.get(m.channelId) ?? '',
  messageId: m.messageId,
  action: m.action,
  ...(m.docId ? { docId: m.docId, docTitle: m.docTitle ?? '' } : {}),
  actor: { id: m.actorId, name: names.get(m.actorId) ?? 'Former member' },
  author: { id: m.authorId, name: names.get(m.authorId) ?? 'Former member' },
  text: m.text,
  reason: m.reason,
  at: m.at.toISOString(),
});
