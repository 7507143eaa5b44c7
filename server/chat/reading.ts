/**
 * Reading use-cases: history pages and catch-up, threads, read markers and unread counts, notifications,
 * search, and the facilitators' moderation log.
 */
import { CHAT_LIMITS, searchWords, type ChatMessage, type SearchResults, type SpaceUnread } from '../../shared/chat';
import { accessSpace } from '../commands/access';
import { notFound } from '../errors';
import { presentModeration, presentMessage, presentNotification } from './presenters';
import { channelUnread } from './channels';
import type { ChatRepo, MessageRecord, ReadMark } from './records';
import { shownEntries } from './moderation';
import { noticeSpaces, unreadNotices } from './notify';
import { readNotificationsUpTo } from './read-notifications';
import { accessChannel, type ChatDeps } from './service';

export interface HistoryQuery {
  before?: string;
  after?: string;
  beforeSeq?: number;
  afterSeq?: number;
  parentId?: string;
  limit?: number;
}

/** The sequence number of a cursor message of this channel (404 when it is not one). */
async function seqOf(deps: ChatDeps, channelId: string, messageId: string): Promise<number> {
  const m = await deps.repo.messages.byId(messageId);
  if (!m || m.channelId !== channelId || m.seq === undefined) throw notFound('That message');
  return m.seq;
}

/**
 * A page of a channel's top-level messages (or of one thread's replies), oldest first, in sequence order:
 * after `after` (catching up; hasMore: newer ones exist), else before `before` (paging back; hasMore:
 * older ones exist), else the newest. The page never reaches past the channel's highest seq read before
 * it: every number up to that one is already stored (sequence.ts), so a page can never show N + 1 while
 * N is still on its way, however the engine walks its index.
 */
export async function pageBySeq(repo: ChatRepo, channelId: string, parentId: string | null, cursor: { before?: number; after?: number }, limit: number) {
  const top = await repo.messages.maxSeq(channelId);
  if (cursor.after !== undefined) {
    const rows = await repo.messages.oldestIn(channelId, parentId, cursor.after, top, limit + 1);
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }
  const upTo = cursor.before === undefined ? top : Math.min(top, cursor.before - 1);
  const rows = await repo.messages.newestIn(channelId, parentId, 0, upTo, limit + 1);
  return { rows: rows.slice(0, limit).reverse(), hasMore: rows.length > limit };
}

/**
 * History for the API: a page as `pageBySeq`, for a member of the channel's space. Cursors are message
 * ids (`before`, `after`) or sequence numbers (`beforeSeq`, `afterSeq`).
 */
export async function history(deps: ChatDeps, userId: string, channelId: string, q: HistoryQuery): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
  await accessChannel(deps, channelId, userId, 'channels.read');
  const parentId = q.parentId ?? null;
  if (parentId) {
    const parent = await deps.repo.messages.byId(parentId);
    if (!parent || parent.channelId !== channelId) throw notFound('That thread');
  }
  const after = q.after ? await seqOf(deps, channelId, q.after) : q.afterSeq;
  const before = q.before ? await seqOf(deps, channelId, q.before) : q.beforeSeq;
  const cursor = after !== undefined ? { after } : before !== undefined ? { before } : {};
  const page = await pageBySeq(deps.repo, channelId, parentId, cursor, q.limit ?? CHAT_LIMITS.pageDefault);
  return { messages: page.rows.map(presentMessage), hasMore: page.hasMore };
}

/** A thread: its top message and replies oldest first (the id of any reply finds its thread). */
export async function thread(deps: ChatDeps, userId: string, messageId: string, q: { after?: string; limit?: number }) {
  const m = await deps.repo.messages.byId(messageId);
  if (!m) throw notFound('That message');
  await accessChannel(deps, m.channelId, userId, 'channels.read');
  const parent = m.parentId ? await deps.repo.messages.byId(m.parentId) : m;
  if (!parent) throw notFound('That thread');
  const after = q.after ? await seqOf(deps, parent.channelId, q.after) : 0;
  const page = await pageBySeq(deps.repo, parent.channelId, parent._id, { after }, q.limit ?? CHAT_LIMITS.pageMax);
  return { parent: presentMessage(parent), replies: page.rows.map(presentMessage), hasMore: page.hasMore };
}

/** Whether message `m` comes after the read marker (by sequence number; by id for a marker of an older release). */
const isAfter = (m: MessageRecord, mark: NonNullable<ReadMark>) => (typeof mark.lastReadSeq === 'number' ? m.seq > mark.lastReadSeq : m._id > mark.lastReadId);

/** Moves the caller's read marker forward to `messageId` and answers the channel's new counts. */
export async function markRead(deps: ChatDeps, userId: string, channelId: string, messageId: string) {
  const { channel } = await accessChannel(deps, channelId, userId, 'channels.read');
  const m = await deps.repo.messages.byId(messageId);
  if (!m || m.channelId !== channelId) throw notFound('That message');
  const current = await deps.repo.reads.get(userId, channelId);
  let mark: ReadMark = current;
  // A reply read in its thread marks that thread's notifications only; the channel's marker stays.
  // The marker only moves forward, in the channel's sequence (ids can be out of order, see ReadMarkerRecord).
  if (!m.parentId && (!current || isAfter(m, current))) {
    mark = { lastReadId: m._id, lastReadSeq: m.seq };
    await deps.repo.reads.set({ _id: `${userId}:${channelId}`, userId, spaceId: channel.spaceId, channelId, ...mark, at: new Date(deps.ctx.now()) });
  }
  const upTo = !m.parentId && mark && typeof mark.lastReadSeq === 'number' ? { id: mark.lastReadId, seq: mark.lastReadSeq } : { id: m._id, seq: m.seq };
  await readNotificationsUpTo(deps, userId, channelId, m.parentId, upTo);
  const counts = await channelUnread(deps, userId, channelId, mark);
  deps.out.toUsers(userId, 'unread:updated', { spaceId: channel.spaceId, channelId, ...counts });
  return { channelId, ...counts };
}

/** Unread and mention totals per space the user belongs to (for badges on other spaces). */
export async function unreadBySpace(deps: ChatDeps, userId: string): Promise<SpaceUnread[]> {
  const memberships = await deps.ctx.repos.memberships.ofUser(userId);
  const spaceIds = memberships.map((m) => m.spaceId);
  if (spaceIds.length === 0) return [];
  const [channels, reads, spaces] = await Promise.all([deps.repo.channels.ofSpaces(spaceIds), deps.repo.reads.ofUser(userId), deps.ctx.repos.spaces.byIds(spaceIds)]);
  const marker = new Map(reads.map((r) => [r.channelId, r]));
  const names = new Map(spaces.map((s) => [s._id, s.name]));
  // Only spaces found: one still being created (SpaceRecord.creating) or deleted has no name here, and no badge.
  const shown = spaceIds.filter((id) => names.has(id));
  const totals = new Map<string, SpaceUnread>(shown.map((id) => [id, { spaceId: id, spaceName: names.get(id)!, unread: 0, mentions: 0 }]));
  await Promise.all(
    channels
      .filter((c) => !c.archived && totals.has(c.spaceId))
      .map(async (c) => {
        const counts = await channelUnread(deps, userId, c._id, marker.get(c._id) ?? null);
        const t = totals.get(c.spaceId)!;
        t.unread += counts.unread;
        t.mentions += counts.mentions;
      }),
  );
  return [...totals.values()];
}

/** The caller's notifications, newest first, with the unread total. */
export async function listNotifications(deps: ChatDeps, userId: string, q: { before?: string; limit?: number }) {
  const limit = q.limit ?? CHAT_LIMITS.notificationsPage;
  const rows = await deps.repo.notifications.ofUser(userId, q.before, limit + 1);
  const page = rows.slice(0, limit);
  // A notification from a space the user has since left, or that was deleted, stays out of the list (and the count).
  const spaces = new Map((await noticeSpaces(deps, userId)).map((s) => [s._id, s.name]));
  const channelIds = [...new Set(page.flatMap((n) => (n.channelId ? [n.channelId] : [])))];
  const channels = new Map<string, string>();
  for (const id of channelIds) {
    const c = await deps.repo.channels.byId(id);
    if (c) channels.set(id, c.name);
  }
  return {
    notifications: page.filter((n) => spaces.has(n.spaceId)).map((n) => presentNotification(n, spaces.get(n.spaceId)!, (n.channelId && channels.get(n.channelId)) || '')),
    unread: await deps.repo.notifications.countUnread(userId, [...spaces.keys()]),
    hasMore: rows.length > limit,
  };
}

/** Marks some or all of the caller's notifications read; answers the remaining unread count. */
export async function readNotifications(deps: ChatDeps, userId: string, which: { ids?: string[]; all?: true }) {
  await deps.repo.notifications.markRead(userId, which.all ? 'all' : (which.ids ?? []), new Date(deps.ctx.now()));
  const unread = await unreadNotices(deps, userId);
  deps.out.toUsers(userId, 'notification:read', { unread });
  return { unread };
}

/** Messages containing every word of `q`, and document titles containing `q`, in one space. */
export async function search(deps: ChatDeps, userId: string, spaceId: string, q: string): Promise<SearchResults> {
  await accessSpace(deps.ctx, spaceId, userId, 'channels.read');
  const words = searchWords(q).slice(0, 8);
  const [rows, docs, channels] = await Promise.all([
    words.length ? deps.repo.messages.search(spaceId, words, CHAT_LIMITS.searchResults) : Promise.resolve([]),
    deps.docs ? deps.docs.searchTitles(spaceId, q, CHAT_LIMITS.searchResults) : Promise.resolve([]),
    deps.repo.channels.ofSpace(spaceId),
  ]);
  const names = new Map(channels.map((c) => [c._id, c.name]));
  return {
    messages: rows.map((m) => ({ ...presentMessage(m), channelName: names.get(m.channelId) ?? '' })),
    docs,
  };
}

/** The space's moderation log, newest first (facilitators). */
export async function moderationLog(deps: ChatDeps, userId: string, spaceId: string) {
  await accessSpace(deps.ctx, spaceId, userId, 'messages.moderate');
  const [all, channels] = await Promise.all([deps.repo.moderation.ofSpace(spaceId, 200), deps.repo.channels.ofSpace(spaceId)]);
  const rows = await shownEntries(deps, all);
  const users = await deps.ctx.repos.users.byIds([...new Set(rows.flatMap((r) => [r.actorId, r.authorId]))]);
  const names = new Map(users.map((u) => [u._id, u.name]));
  const channelNames = new Map(channels.map((c) => [c._id, c.name]));
  return rows.map((r) => presentModeration(r, names, channelNames));
}
