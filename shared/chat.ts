/**
 * Discussion shapes and payload schemas, shared by the chat server (validation) and the client (types,
 * limits). Every object schema is strict: unknown keys, `__proto__` included, are refused.
 */
import { z } from 'zod';
import { idSchema, text } from './schemas';
import type { PublicUser } from './types';

export const CHAT_LIMITS = {
  textMax: 4000,
  channelNameMax: 40,
  pageMax: 100,
  pageDefault: 50,
  searchQueryMax: 100,
  searchResults: 30,
  mentionsMax: 20,
  notificationsPage: 50,
} as const;

/** The reactions a message can carry: a bounded set, so stored keys stay small and safe as field names. */
export const REACTIONS = [
  { key: 'thumbsup', emoji: '👍', label: 'thumbs up' },
  { key: 'heart', emoji: '❤️', label: 'heart' },
  { key: 'tada', emoji: '🎉', label: 'celebrate' },
  { key: 'smile', emoji: '😄', label: 'smile' },
  { key: 'thinking', emoji: '🤔', label: 'thinking' },
  { key: 'eyes', emoji: '👀', label: 'looking' },
  { key: 'check', emoji: '✅', label: 'done' },
] as const;
export type ReactionEmoji = (typeof REACTIONS)[number]['emoji'];
const EMOJIS = REACTIONS.map((r) => r.emoji) as [ReactionEmoji, ...ReactionEmoji[]];

/** A reaction as presented: the emoji, how many, and who (so a client knows whether it is "mine"). */
export interface Reaction {
  emoji: ReactionEmoji;
  count: number;
  userIds: string[];
}

/** A message as every client sees it. Deleted messages keep their place with `deleted: true` and no text. */
export interface ChatMessage {
  id: string;
  channelId: string;
  spaceId: string;
  /** Position in the channel (replies included): 1, 2, 3 ... without gaps; history and catch-up page by it. */
  seq: number;
  author: PublicUser;
  text: string;
  parentId: string | null;
  clientMsgId: string;
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
  replyCount: number;
  lastReplyAt: string | null;
  reactions: Reaction[];
  /** User ids this message mentions. */
  mentions: string[];
}

export interface Channel {
  id: string;
  spaceId: string;
  name: string;
  archived: boolean;
  createdAt: string;
}

/** A channel in a listing, with the caller's unread state. */
export interface ChannelWithUnread extends Channel {
  unread: number;
  mentions: number;
  lastReadId: string | null;
}

/**
 * A message mentioned you / replied to your thread; someone asked to join a space you facilitate
 * (`joinRequest`: `channelId` is '' and `messageId` the request's id); a comment mentioned you / replied in
 * a thread you are in / opened a thread on your document.
 */
export type NotificationKind = 'mention' | 'reply' | 'joinRequest' | 'comment-mention' | 'comment-reply' | 'comment-thread';

export interface ChatNotification {
  id: string;
  kind: NotificationKind;
  spaceId: string;
  spaceName: string;
  /** The channel and message (discussion notifications); null for comment notifications. */
  channelId: string | null;
  channelName: string;
  messageId: string | null;
  /** The document and comment thread (comment notifications); null for discussion notifications. */
  docId: string | null;
  docTitle: string;
  threadId: string | null;
  /** The thread's top message when the notification is about a reply (or a mention inside a thread). */
  parentId: string | null;
  actor: PublicUser;
  excerpt: string;
  createdAt: string;
  read: boolean;
}

export interface SpaceUnread {
  spaceId: string;
  spaceName: string;
  unread: number;
  mentions: number;
}

export interface SearchResults {
  messages: (ChatMessage & { channelName: string })[];
  docs: { id: string; title: string }[];
}

export interface ModerationEntry {
  id: string;
  spaceId: string;
  channelId: string;
  channelName: string;
  messageId: string;
  action: 'message.delete' | 'comment.delete';
  /** For a removed comment: its document (channelId and channelName are then empty, messageId is the thread). */
  docId?: string;
  docTitle?: string;
  actor: PublicUser;
  author: PublicUser;
  text: string;
  reason: string;
  at: string;
}

/** Channel names are slugs: lowercase letters, digits and single dashes (`grade-7-math`). */
export const channelNameSchema = z
  .string({ error: 'Channel name must be text' })
  .trim()
  .toLowerCase()
  .min(1, { error: 'Channel name is required' })
  .max(CHAT_LIMITS.channelNameMax, { error: `Channel name must be at most ${CHAT_LIMITS.channelNameMax} characters` })
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: 'Use lowercase letters, digits and dashes, like grade-7-math' });

/** Turns a free-form name ("Grade 7 Math") into a channel slug ("grade-7-math"). */
export function slugifyChannelName(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, CHAT_LIMITS.channelNameMax);
}

export const clientMsgIdSchema = z.string({ error: 'clientMsgId must be text' }).regex(/^[A-Za-z0-9_-]{8,64}$/, {
  error: 'clientMsgId must be 8 to 64 letters, digits, dashes or underscores',
});

export const messageText = text(CHAT_LIMITS.textMax, 'Message');

// ---- Socket.IO payloads -------------------------------------------------------------------------------

export const spaceRefPayload = z.strictObject({ spaceId: idSchema });
export const sendPayload = z.strictObject({
  channelId: idSchema,
  text: messageText,
  clientMsgId: clientMsgIdSchema,
  parentId: idSchema.nullable().optional(),
  /** User ids picked in a mention picker; unioned with `@Name` mentions found in the text. */
  mentions: z.array(idSchema).max(CHAT_LIMITS.mentionsMax).optional(),
});
export const editPayload = z.strictObject({ messageId: idSchema, text: messageText });
export const deletePayload = z.strictObject({ messageId: idSchema, reason: z.string().trim().max(500).optional() });
export const reactionPayload = z.strictObject({
  messageId: idSchema,
  emoji: z.enum(EMOJIS, { error: `Reaction must be one of ${EMOJIS.join(' ')}` }),
});
export const typingPayload = z.strictObject({ channelId: idSchema, typing: z.boolean({ error: 'typing must be true or false' }) });
export const readPayload = z.strictObject({ channelId: idSchema, messageId: idSchema });
export const notificationReadPayload = z
  .strictObject({ ids: z.array(idSchema).max(200).optional(), all: z.literal(true).optional() })
  .refine((b) => b.ids !== undefined || b.all === true, { error: 'Send ids or all: true' });

export type SendPayload = z.infer<typeof sendPayload>;

// ---- HTTP bodies and queries --------------------------------------------------------------------------

export const createChannelBody = z.strictObject({ name: channelNameSchema });
export const updateChannelBody = z
  .strictObject({ name: channelNameSchema.optional(), archived: z.boolean().optional() })
  .refine((b) => b.name !== undefined || b.archived !== undefined, { error: 'Nothing to change' });

const limitSchema = z.coerce
  .number({ error: 'limit must be a number' })
  .int({ error: 'limit must be a whole number' })
  .min(1, { error: 'limit must be at least 1' })
  .max(CHAT_LIMITS.pageMax, { error: `limit must be at most ${CHAT_LIMITS.pageMax}` });

const seqSchema = z.coerce
  .number({ error: 'a sequence number must be a number' })
  .int({ error: 'a sequence number must be a whole number' })
  .min(0, { error: 'a sequence number is at least 0' })
  .max(Number.MAX_SAFE_INTEGER);

export const historyQuery = z
  .strictObject({
    before: idSchema.optional(),
    after: idSchema.optional(),
    /** Cursors by sequence number (a message's `seq`), for clients that keep the number rather than the id. */
    beforeSeq: seqSchema.optional(),
    afterSeq: seqSchema.optional(),
    parentId: idSchema.optional(),
    limit: limitSchema.optional(),
  })
  .refine((q) => [q.before, q.after, q.beforeSeq, q.afterSeq].filter((c) => c !== undefined).length <= 1, {
    error: 'Use one cursor: before, after, beforeSeq or afterSeq',
  });

export const threadQuery = z.strictObject({ after: idSchema.optional(), limit: limitSchema.optional() });
export const notificationsQuery = z.strictObject({ before: idSchema.optional(), limit: limitSchema.optional() });
export const searchQuery = z.strictObject({
  q: z.string({ error: 'q must be text' }).trim().min(1, { error: 'Type something to search for' }).max(CHAT_LIMITS.searchQueryMax),
});
export const readBody = z.strictObject({ messageId: idSchema });

/**
 * Splits text into the lowercased words stored on each message for search. Letters and digits in any
 * script; duplicates removed; very short and very long tokens dropped; bounded per message.
 */
export function searchWords(input: string): string[] {
  const words = new Set<string>();
  for (const m of input.toLowerCase().normalize('NFKC').matchAll(/[\p{L}\p{N}][\p{L}\p{N}'_-]*/gu)) {
    const w = m[0].replace(/['_-]+$/, '');
    if (w.length >= 2 && w.length <= 40) words.add(w);
    if (words.size >= 200) break;
  }
  return [...words];
}
