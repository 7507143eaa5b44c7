/**
 * Message use-cases, called the same way from socket handlers and routes: send (idempotent per
 * clientMsgId, acknowledged only after the store write), edit, delete (with moderation log), react.
 */
import { REACTIONS, searchWords, type ChatMessage, type ReactionEmoji, type SendPayload } from '../../shared/chat';
import { forbidden, invalidPayload, notFound } from '../errors';
import { newSortableId } from '../ids';
import { can } from '../policies';
import { DuplicateKeyError } from '../store/port';
import { resolveMentions } from './mentions';
import { moderateMessage, removedFields } from './moderation';
import { notify, withdrawNotices } from './notify';
import { presentMessage, presentReactions } from './presenters';
import { untouchedMessage, type MessageRecord } from './records';
import { accessChannel, type ChatDeps } from './service';

export interface Author {
  id: string;
  name: string;
}

/**
 * Stores a message and broadcasts it to the space. The same clientMsgId from the same author returns the
 * message already stored (a client retrying after a lost ack), without storing or broadcasting again.
 */
export async function sendMessage(deps: ChatDeps, author: Author, p: SendPayload): Promise<{ message: ChatMessage; created: boolean }> {
  const { repo, ctx, out } = deps;
  const { channel } = await accessChannel(deps, p.channelId, author.id, 'chat.send');
  const existing = await repo.messages.byClientId(author.id, p.clientMsgId);
  if (existing) return { message: presentMessage(existing), created: false };
  if (channel.archived) throw forbidden('This channel is archived; messages can no longer be sent to it.');
  await deps.sendLimit.enforce(author.id);

  let parent: MessageRecord | null = null;
  if (p.parentId) {
    parent = await repo.messages.byId(p.parentId);
    if (!parent || parent.channelId !== channel._id) throw notFound('That thread');
    if (parent.parentId !== null) throw invalidPayload('parentId: replies go to the top message of a thread', { fields: [{ field: 'parentId', message: 'must be a top-level message' }] });
  }
  const mentions = await resolveMentions(ctx, channel.spaceId, author.id, p.text, p.mentions);
  const nowMs = ctx.now();
  const at = new Date(nowMs);
  let record: MessageRecord;
  try {
    // Numbered as it is stored (sequence.ts): history and catch-up page by `seq`, never by id.
    record = await deps.sequencer.insert({
      _id: newSortableId(nowMs),
      spaceId: channel.spaceId,
      channelId: channel._id,
      authorId: author.id,
      authorName: author.name,
      text: p.text,
      words: searchWords(p.text),
      mentions,
      parentId: parent?._id ?? null,
      clientMsgId: p.clientMsgId,
      createdAt: at,
      ...untouchedMessage(),
    });
  } catch (err) {
    // Two sends of one clientMsgId raced past the lookup: the unique index kept one; answer with it.
    if (!(err instanceof DuplicateKeyError)) throw err;
    const stored = await repo.messages.byClientId(author.id, p.clientMsgId);
    if (!stored) throw err;
    return { message: presentMessage(stored), created: false };
  }
  const message = presentMessage(record);
  out.toSpace(channel.spaceId, 'message:new', { message });
  if (parent) {
    const updated = await repo.messages.addReply(parent._id, at);
    if (updated) out.toSpace(channel.spaceId, 'message:updated', { message: presentMessage(updated) });
  }
  const replyTo = parent && parent.authorId !== author.id && !mentions.includes(parent.authorId) ? parent.authorId : null;
  void notify(deps, record, author, mentions, replyTo);
  return { message, created: true };
}

async function ownMessage(deps: ChatDeps, userId: string, messageId: string) {
  const m = await deps.repo.messages.byId(messageId);
  if (!m) throw notFound('That message');
  const access = await accessChannel(deps, m.channelId, userId, 'channels.read');
  if (m.deletedAt) throw notFound('That message');
  return { m, access };
}

/** Changes the text of one's own message; newly mentioned people are notified. */
export async function editMessage(deps: ChatDeps, author: Author, messageId: string, text: string): Promise<ChatMessage> {
  const { m, access } = await ownMessage(deps, author.id, messageId);
  if (m.authorId !== author.id) throw forbidden('You can only edit your own messages.');
  if (access.channel.archived) throw forbidden('This channel is archived.');
  // Editing is posting: a guest whose space switched guests out of the discussion may delete, not rewrite.
  await accessChannel(deps, m.channelId, author.id, 'chat.send');
  if (text === m.text) return presentMessage(m);
  const mentions = await resolveMentions(deps.ctx, m.spaceId, author.id, text);
  const updated = await deps.repo.messages.update(m._id, { text, words: searchWords(text), mentions, editedAt: new Date(deps.ctx.now()) });
  if (!updated) throw notFound('That message');
  const message = presentMessage(updated);
  deps.out.toSpace(m.spaceId, 'message:updated', { message });
  const added = mentions.filter((id) => !m.mentions.includes(id));
  if (added.length) void notify(deps, updated, author, added, null);
  return message;
}

/**
 * Deletes a message: authors their own; facilitators anyone's, and that removal is written to the
 * moderation log with the removed text (moderation.ts). The message keeps its place in history as "message deleted".
 */
export async function deleteMessage(deps: ChatDeps, actor: Author, messageId: string, reason = ''): Promise<{ messageId: string }> {
  const m = await deps.repo.messages.byId(messageId);
  if (!m) throw notFound('That message');
  const access = await accessChannel(deps, m.channelId, actor.id, 'channels.read');
  if (m.deletedAt) return { messageId };
  const own = m.authorId === actor.id;
  if (!own && !can(access.actor, 'messages.moderate', access.space)) {
    throw forbidden('You can only delete your own messages. Facilitators can remove any message.');
  }
  const at = new Date(deps.ctx.now());
  if (own) {
    await deps.repo.messages.update(m._id, removedFields(at, actor.id));
    // The message is gone whatever happens here: a failure is logged, never turned into a failed delete.
    await withdrawNotices(deps, { messageId: m._id }).catch((err: unknown) => deps.ctx.logger.error({ err, messageId: m._id }, 'withdrawing notifications failed'));
  } else await moderateMessage(deps, m, actor, reason, at);
  deps.out.toSpace(m.spaceId, 'message:deleted', { messageId: m._id, channelId: m.channelId, spaceId: m.spaceId, parentId: m.parentId });
  return { messageId };
}

/** Adds the caller's reaction, or removes it when already there. */
export async function toggleReaction(deps: ChatDeps, userId: string, messageId: string, emoji: ReactionEmoji) {
  const { m } = await ownMessage(deps, userId, messageId);
  const { channel } = await accessChannel(deps, m.channelId, userId, 'chat.send');
  if (channel.archived) throw forbidden('This channel is archived.');
  const key = REACTIONS.find((r) => r.emoji === emoji)!.key;
  const had = m.reactions?.[key]?.includes(userId) ?? false;
  const updated = had ? await deps.repo.messages.removeReaction(m._id, key, userId) : await deps.repo.messages.addReaction(m._id, key, userId);
  if (!updated) throw notFound('That message');
  const reactions = presentReactions(updated.reactions);
  deps.out.toSpace(m.spaceId, 'reaction:updated', { messageId: m._id, channelId: m.channelId, spaceId: m.spaceId, reactions });
  return { messageId: m._id, reactions };
}
