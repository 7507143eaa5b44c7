/**
 * The discussion's part of a space's data (server/spacedata/port.ts): every channel (archived ones too)
 * and every message and thread reply, as JSON and as CSV, read from the store a page at a time and
 * streamed into the export; and the erase of everything the discussion keeps about the space (messages,
 * channels, read markers, notifications, the moderation log).
 */
import { csvLine } from '../spacedata/csv';
import type { SpaceDataPart } from '../spacedata/port';
import type { Store } from '../store/port';
import type { ChannelRecord, MessageRecord } from './records';

const PAGE = 500;
const SPACE_KEYED = ['messages', 'channelReads', 'notifications', 'moderationLog', 'channels'];

/** A message as exported: a removed message keeps who removed it and when, not its text. */
function exported(m: MessageRecord, channel: string) {
  const removed = m.deletedAt !== null;
  return {
    id: m._id,
    channelId: m.channelId,
    channel,
    parentId: m.parentId,
    author: { id: m.authorId, name: m.authorName },
    text: removed ? '' : m.text,
    createdAt: m.createdAt.toISOString(),
    editedAt: m.editedAt?.toISOString() ?? null,
    removedAt: m.deletedAt?.toISOString() ?? null,
    replyCount: m.replyCount,
    reactions: Object.fromEntries(Object.entries(m.reactions ?? {}).map(([k, ids]) => [k, ids.length])),
  };
}

/** The part over the store (the discussion's own collections). */
export function chatSpaceData(store: Store): SpaceDataPart {
  const messages = store.collection<MessageRecord>('messages');
  const channelsOf = (spaceId: string) => store.collection<ChannelRecord>('channels').find({ spaceId }, { sort: { createdAt: 1 } });

  /** Every message of the space, oldest first, one page in memory at a time. */
  async function* all(spaceId: string) {
    const names = new Map((await channelsOf(spaceId)).map((c) => [c._id, c.name]));
    let after: string | null = null;
    for (;;) {
      const page: MessageRecord[] = await messages.find({ spaceId, ...(after ? { _id: { $gt: after } } : {}) }, { sort: { _id: 1 }, limit: PAGE });
      for (const m of page) yield exported(m, names.get(m.channelId) ?? '');
      if (page.length < PAGE) return;
      after = page[page.length - 1]!._id;
    }
  }

  return {
    name: 'chat',
    async export({ spaceId, sink }) {
      sink.file('discussion/channels.json', async () =>
        JSON.stringify((await channelsOf(spaceId)).map((c) => ({ id: c._id, name: c.name, archived: c.archived, createdAt: c.createdAt.toISOString() })), null, 2),
      );
      sink.file('discussion/messages.json', async function* () {
        let first = true;
        yield '[\n';
        for await (const m of all(spaceId)) {
          yield (first ? '' : ',\n') + JSON.stringify(m);
          first = false;
        }
        yield '\n]\n';
      });
      sink.file('discussion/messages.csv', async function* () {
        yield csvLine(['id', 'channel', 'channel_id', 'parent_id', 'author', 'author_id', 'text', 'created_at', 'edited_at', 'removed_at', 'reply_count']);
        for await (const m of all(spaceId)) yield csvLine([m.id, m.channel, m.channelId, m.parentId, m.author.name, m.author.id, m.text, m.createdAt, m.editedAt, m.removedAt, m.replyCount]);
      });
      sink.describe('discussion/channels.json  every channel of the discussion, archived ones too.');
      sink.describe('discussion/messages.json, discussion/messages.csv  every message of every channel, oldest first; a reply names its thread\'s first message in parentId. A message a facilitator removed keeps its place with empty text and removedAt.');
    },
    async erase(spaceId) {
      for (const name of SPACE_KEYED) await store.collection(name).deleteMany({ spaceId });
    },
  };
}
