/** Channel use-cases: list with unread state, create, rename, archive (facilitators). */
import type { ChannelWithUnread } from '../../shared/chat';
import { accessSpace } from '../commands/access';
import { conflict } from '../errors';
import { newId } from '../ids';
import { DuplicateKeyError } from '../store/port';
import { presentChannel } from './presenters';
import type { ChannelRecord, ReadMark } from './records';
import { accessChannel, type ChatDeps } from './service';

/** The name every space starts with; it cannot be renamed or archived. */
export const GENERAL = 'general';

/** Unread and mention counts for one channel from the caller's read marker. */
export async function channelUnread(deps: ChatDeps, userId: string, channelId: string, mark: ReadMark) {
  const [unread, mentions] = await Promise.all([deps.repo.messages.countUnread(channelId, userId, mark), deps.repo.messages.countMentions(channelId, userId, mark)]);
  return { unread, mentions };
}

/** The space's channels with the caller's unread and mention counts (`general` first). */
export async function listChannels(deps: ChatDeps, userId: string, spaceId: string): Promise<ChannelWithUnread[]> {
  await accessSpace(deps.ctx, spaceId, userId, 'channels.read');
  const channels = await deps.repo.channels.ofSpace(spaceId);
  const reads = new Map((await deps.repo.reads.ofUser(userId)).map((r) => [r.channelId, r]));
  const out = await Promise.all(
    channels.map(async (c) => {
      const mark = reads.get(c._id) ?? null;
      const counts = c.archived ? { unread: 0, mentions: 0 } : await channelUnread(deps, userId, c._id, mark);
      return { ...presentChannel(c), ...counts, lastReadId: mark?.lastReadId ?? null };
    }),
  );
  return out.sort((a, b) => (a.name === GENERAL ? -1 : b.name === GENERAL ? 1 : a.createdAt.localeCompare(b.createdAt)));
}

/**
 * Opens a new space's `general` channel (on the `space:created` event). Idempotent: the unique name index
 * keeps one when it already exists.
 */
export async function openGeneral(deps: ChatDeps, spaceId: string, userId: string, at: Date): Promise<void> {
  try {
    await deps.repo.channels.insert({ _id: newId(), spaceId, name: GENERAL, archived: false, createdAt: at, createdBy: userId });
  } catch (err) {
    if (!(err instanceof DuplicateKeyError)) throw err;
  }
}

/** 409 for a channel name the space already uses, naming the field like any other field error. */
const nameTaken = (name: string) => conflict(`This space already has a channel named ${name}.`, { fields: [{ field: 'name', message: 'name already taken' }] });

/** Creates a channel; names are unique per space (409). */
export async function createChannel(deps: ChatDeps, userId: string, spaceId: string, name: string) {
  await accessSpace(deps.ctx, spaceId, userId, 'channels.manage');
  if (await deps.repo.channels.byName(spaceId, name)) throw nameTaken(name);
  const channel: ChannelRecord = { _id: newId(), spaceId, name, archived: false, createdAt: new Date(deps.ctx.now()), createdBy: userId };
  try {
    await deps.repo.channels.insert(channel);
  } catch (err) {
    if (err instanceof DuplicateKeyError) throw nameTaken(name);
    throw err;
  }
  deps.channelCache.set(channel._id, channel);
  deps.out.toSpace(spaceId, 'channel:updated', { channel: presentChannel(channel) });
  return channel;
}

/** Renames or archives (or unarchives) a channel; `general` stays as it is. */
export async function updateChannel(deps: ChatDeps, userId: string, channelId: string, change: { name?: string; archived?: boolean }) {
  const { channel } = await accessChannel(deps, channelId, userId, 'channels.manage');
  if (channel.name === GENERAL && ((change.name && change.name !== GENERAL) || change.archived)) {
    throw conflict('The general channel cannot be renamed or archived.', { reason: 'general' });
  }
  if (change.name && change.name !== channel.name && (await deps.repo.channels.byName(channel.spaceId, change.name))) {
    throw nameTaken(change.name!);
  }
  let updated: ChannelRecord | null;
  try {
    updated = await deps.repo.channels.update(channelId, change);
  } catch (err) {
    if (err instanceof DuplicateKeyError) throw nameTaken(change.name!);
    throw err;
  }
  if (!updated) return channel;
  deps.channelCache.set(updated._id, updated);
  deps.out.toSpace(updated.spaceId, 'channel:updated', { channel: presentChannel(updated) });
  return updated;
}
