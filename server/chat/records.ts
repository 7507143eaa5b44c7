/**
 * Stored shapes of the discussion feature and its repository over the storage port (written once; the
 * NeDB and MongoDB adapters only translate).
 *
 * Search: each message stores `words`, its lowercased distinct words. Both engines index array fields
 * element by element (MongoDB multikey, NeDB one index entry per element), so `{ words: 'fractions' }`
 * is an index lookup in either; further words are equality conditions under `$and`. An unanchored regex
 * over `text` could use no index in either engine and would scan the whole collection.
 */
import type { NotificationKind } from '../../shared/chat';
import type { Filter, IndexSpec, Store } from '../store/port';

export interface ChannelRecord {
  _id: string;
  spaceId: string;
  name: string;
  archived: boolean;
  createdAt: Date;
  createdBy: string;
}

export interface MessageRecord {
  _id: string;
  spaceId: string;
  channelId: string;
  /**
   * Position in the channel (replies included), 1, 2, 3 ... with no gaps, assigned by sequence.ts when the
   * message is stored: history and catch-up page by it. Absent only on records of older releases until
   * the feature's repair numbers them.
   */
  seq: number;
  authorId: string;
  /** The author's name when sent, so a page of history needs no user lookups. */
  authorName: string;
  text: string;
  words: string[];
  mentions: string[];
  parentId: string | null;
  clientMsgId: string;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  deletedBy: string | null;
  replyCount: number;
  lastReplyAt: Date | null;
  /** Reaction key (see REACTIONS) -> user ids, in reaction order. */
  reactions: Record<string, string[]>;
}

/** What a message starts with before anyone edits, deletes, replies to or reacts to it. */
export const untouchedMessage = () => ({ editedAt: null, deletedAt: null, deletedBy: null, replyCount: 0, lastReplyAt: null, reactions: {} });

export interface ReadMarkerRecord {
  /** `${userId}:${channelId}` */
  _id: string;
  userId: string;
  spaceId: string;
  channelId: string;
  lastReadId: string;
  /**
   * The channel sequence number of `lastReadId` (server/chat/sequence.ts). Unread counts compare by it:
   * ids are made before the message is stored, so with several writers (or processes) a message can get
   * a smaller id than one already read and yet be stored after it. Absent on markers of older releases
   * (their counts fall back to comparing ids until the marker next moves).
   */
  lastReadSeq?: number;
  at: Date;
}

/** Where a reader stands in a channel: its read marker, or null before the first read. */
export type ReadMark = Pick<ReadMarkerRecord, 'lastReadId' | 'lastReadSeq'> | null;

/** The filter part "after the marker": by sequence number when the marker has one. */
const afterMark = (mark: ReadMark): Filter =>
  !mark ? {} : typeof mark.lastReadSeq === 'number' ? { seq: { $gt: mark.lastReadSeq } } : { _id: { $gt: mark.lastReadId } };

/** What a comment notification is about (a thread, or one comment of it), for withdrawing it when removed. */
export type CommentNoticeSubject = { threadId: string } | { commentId: string };
/** What notifications can be about, for withdrawing them when it is removed. */
export type NoticeSubject = { messageId: string } | CommentNoticeSubject;

export interface NotificationRecord {
  _id: string;
  userId: string;
  kind: NotificationKind;
  spaceId: string;
  channelId: string | null;
  messageId: string | null;
  /** The message's channel sequence number (chat notifications of this release): reading up to it marks this read. */
  messageSeq?: number;
  docId?: string | null;
  docTitle?: string;
  threadId?: string | null;
  /** The comment it is about (comment notifications of this release): removing the comment withdraws it. */
  commentId?: string | null;
  parentId: string | null;
  actorId: string;
  actorName: string;
  excerpt: string;
  createdAt: Date;
  readAt: Date | null;
}

export interface ModerationRecord {
  _id: string;
  spaceId: string;
  channelId: string;
  messageId: string;
  action: 'message.delete' | 'comment.delete';
  docId?: string;
  docTitle?: string;
  /** A removed comment's id (`messageId` is then its thread's). */
  commentId?: string;
  actorId: string;
  authorId: string;
  /** The removed text, kept for the facilitators' audit. */
  text: string;
  reason: string;
  at: Date;
  /** Set until the message is removed (server/chat/moderation.ts): the entry is not shown while its message is still there. */
  pending?: true;
}

export const CHAT_INDEXES: IndexSpec[] = [
  { collection: 'messages', fields: { authorId: 1, clientMsgId: 1 }, unique: true },
  { collection: 'messages', fields: { channelId: 1 } },
  // History pages: a channel's top-level messages (or one thread's replies) in sequence order. The unique
  // (channelId, seq) index is made by the feature's repair, once no record lacks a seq (sequence.ts).
  { collection: 'messages', fields: { channelId: 1, parentId: 1, seq: 1 } },
  // Finds the records of an older release still without a seq at start (repair), without a scan.
  { collection: 'messages', fields: { seq: 1 } },
  { collection: 'messages', fields: { parentId: 1 } },
  { collection: 'messages', fields: { words: 1 } },
  { collection: 'messages', fields: { mentions: 1 } },
  { collection: 'channels', fields: { spaceId: 1 } },
  { collection: 'channels', fields: { spaceId: 1, name: 1 }, unique: true },
  { collection: 'channelReads', fields: { userId: 1 } },
  { collection: 'notifications', fields: { userId: 1 } },
  { collection: 'notifications', fields: { messageId: 1 } },
  { collection: 'notifications', fields: { threadId: 1 } },
  { collection: 'notifications', fields: { commentId: 1 } },
  { collection: 'moderationLog', fields: { spaceId: 1 } },
];

export const readMarkerId = (userId: string, channelId: string) => `${userId}:${channelId}`;

/** The discussion repositories over one store. */
export function createChatRepo(store: Store) {
  const messages = store.collection<MessageRecord>('messages');
  const reads = store.collection<ReadMarkerRecord>('channelReads');
  const notifications = store.collection<NotificationRecord>('notifications');
  const moderation = store.collection<ModerationRecord>('moderationLog');
  const channels = store.collection<ChannelRecord>('channels');

  /** Top-level messages of a channel that count as unread for `userId` after the marker. */
  const unreadFilter = (channelId: string, userId: string, mark: ReadMark): Filter => ({
    channelId,
    parentId: null,
    deletedAt: null,
    authorId: { $ne: userId },
    ...afterMark(mark),
  });

  return {
    channels: {
      byId: (id: string) => channels.findOne({ _id: id }),
      byName: (spaceId: string, name: string) => channels.findOne({ spaceId, name }),
      ofSpace: (spaceId: string) => channels.find({ spaceId }, { sort: { createdAt: 1 } }),
      ofSpaces: (spaceIds: string[]) => channels.find({ spaceId: { $in: spaceIds } }),
      insert: (c: ChannelRecord) => channels.insertOne(c),
      update: (id: string, set: Partial<Pick<ChannelRecord, 'name' | 'archived'>>) => channels.findOneAndUpdate({ _id: id }, { $set: set }),
    },
    messages: {
      insert: (m: MessageRecord) => messages.insertOne(m),
      byId: (id: string) => messages.findOne({ _id: id }),
      byClientId: (authorId: string, clientMsgId: string) => messages.findOne({ authorId, clientMsgId }),
      /** The highest sequence number stored in a channel (0 when it has no message). */
      maxSeq: async (channelId: string) => (await messages.find({ channelId, seq: { $gt: 0 } }, { sort: { seq: -1 }, limit: 1 }))[0]?.seq ?? 0,
      /** A page of a channel's top-level messages (or one thread's replies) with seq in (after, upTo], newest first. */
      newestIn: (channelId: string, parentId: string | null, after: number, upTo: number, limit: number) =>
        messages.find({ channelId, parentId, seq: { $gt: after, $lte: upTo } }, { sort: { seq: -1 }, limit }),
      /** The same range oldest first (catching up after a reconnect, or reading a thread). */
      oldestIn: (channelId: string, parentId: string | null, after: number, upTo: number, limit: number) =>
        messages.find({ channelId, parentId, seq: { $gt: after, $lte: upTo } }, { sort: { seq: 1 }, limit }),
      update: (id: string, set: Partial<MessageRecord>) => messages.findOneAndUpdate({ _id: id }, { $set: set }),
      addReply: (parentId: string, at: Date) => messages.findOneAndUpdate({ _id: parentId }, { $inc: { replyCount: 1 }, $set: { lastReplyAt: at } }),
      addReaction: (id: string, key: string, userId: string) => messages.findOneAndUpdate({ _id: id }, { $addToSet: { [`reactions.${key}`]: userId } }),
      removeReaction: (id: string, key: string, userId: string) => messages.findOneAndUpdate({ _id: id }, { $pull: { [`reactions.${key}`]: userId } }),
      countUnread: (channelId: string, userId: string, mark: ReadMark) => messages.count(unreadFilter(channelId, userId, mark)),
      /** Messages (top-level or replies) in a channel after the marker that mention `userId`. */
      countMentions: (channelId: string, userId: string, mark: ReadMark) => messages.count({ mentions: userId, channelId, deletedAt: null, ...afterMark(mark) }),
      /** Messages of a space containing every word: the first word uses the words index. */
      search: (spaceId: string, words: string[], limit: number) => {
        const [first, ...rest] = words;
        return messages.find(
          { words: first, spaceId, deletedAt: null, ...(rest.length ? { $and: rest.map((w) => ({ words: w })) } : {}) },
          { sort: { _id: -1 }, limit },
        );
      },
    },
    reads: {
      get: (userId: string, channelId: string) => reads.findOne({ _id: readMarkerId(userId, channelId) }),
      ofUser: (userId: string) => reads.find({ userId }),
      set: (r: ReadMarkerRecord) =>
        reads.updateOne(
          { _id: r._id },
          { $set: { userId: r.userId, spaceId: r.spaceId, channelId: r.channelId, lastReadId: r.lastReadId, ...(r.lastReadSeq === undefined ? {} : { lastReadSeq: r.lastReadSeq }), at: r.at } },
          { upsert: true },
        ),
    },
    notifications: {
      insert: (n: NotificationRecord) => notifications.insertOne(n),
      remove: (id: string) => notifications.deleteOne({ _id: id }),
      /** The notifications about `subject` (a message, a comment thread or one comment), whoever received them. */
      about: (subject: NoticeSubject) => notifications.find({ ...subject }),
      removeIds: (ids: string[]) => notifications.deleteMany({ _id: { $in: ids } }),
      ofUser: (userId: string, before: string | undefined, limit: number) =>
        notifications.find({ userId, ...(before ? { _id: { $lt: before } } : {}) }, { sort: { _id: -1 }, limit }),
      /** Unread notifications of `userId` from the spaces `spaceIds` (those they belong to and that exist). */
      countUnread: (userId: string, spaceIds: string[]) => notifications.count({ userId, readAt: null, spaceId: { $in: spaceIds } }),
      unreadAmong: (userId: string, ids: string[], spaceIds: string[]) => notifications.find({ _id: { $in: ids }, userId, readAt: null, spaceId: { $in: spaceIds } }),
      markRead: (userId: string, ids: string[] | 'all', at: Date) =>
        notifications.updateMany({ userId, readAt: null, ...(ids === 'all' ? {} : { _id: { $in: ids } }) }, { $set: { readAt: at } }),
      /**
       * Marks read the notifications about a channel's top-level messages (parentId null) or one thread's
       * replies, up to message `upTo` (by sequence; by id for notifications of older releases).
       */
      markMessageRead: (userId: string, channelId: string, parentId: string | null, upTo: { id: string; seq: number }, at: Date) =>
        notifications.updateMany(
          { userId, channelId, parentId, readAt: null, $or: [{ messageSeq: { $lte: upTo.seq } }, { messageSeq: { $exists: false }, messageId: { $lte: upTo.id } }] },
          { $set: { readAt: at } },
        ),
    },
    moderation: {
      insert: (m: ModerationRecord) => moderation.insertOne(m),
      byId: (id: string) => moderation.findOne({ _id: id }),
      ofSpace: (spaceId: string, limit: number) => moderation.find({ spaceId }, { sort: { at: -1 }, limit }),
      /** Entries whose removal was cut short (or is under way in another process). */
      pending: () => moderation.find({ pending: true }),
      /** The removal is done: the entry is final. Null when it already was (another process finished it). */
      commit: (id: string) => moderation.findOneAndUpdate({ _id: id, pending: true }, { $unset: { pending: true } }),
    },
  };
}

export type ChatRepo = ReturnType<typeof createChatRepo>;
