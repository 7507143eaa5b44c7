/**
 * Per-channel message sequence numbers that never leave a reader behind (see README "Ordered cursors").
 *
 * The insert IS the claim: a message is stored with seq = (highest stored seq) + 1, and the unique
 * (channelId, seq) index refuses a second message at the same number, whoever wrote it; the loser reads
 * the new highest and tries the next number. So a seq N is only ever stored after N - 1 was visible: the
 * numbers in a channel have no holes, not even for a moment, and a reader that has seen N has seen (or
 * can still see) every number below it. There is no separate counter to $inc (FerretDB runs that as a
 * read then a write) and nothing to time out: a process that dies before its insert claimed nothing.
 *
 * Within one process the sends to one channel are queued, so only writers on other processes collide;
 * the last number this process saw is kept as a hint (a number known to be stored), which saves the
 * read of the highest in the common case: if hint + 1 is free, nothing above the hint can exist yet.
 * In a cluster the hint also follows the other processes' messages as their broadcasts arrive (`learn`),
 * so a channel busy on two processes does not pay a refused insert and a read for every other message.
 */
import type { Logger } from '../logger';
import { DuplicateKeyError, type IndexSpec, type Store } from '../store/port';
import type { ChatRepo, MessageRecord } from './records';

/** The index that makes a number one message's only; created by `numberOldMessages` (older records lack seq). */
export const SEQ_INDEX: IndexSpec = { collection: 'messages', fields: { channelId: 1, seq: 1 }, unique: true };

/** Attempts before a send gives up (each one lost to a writer on another process that took the number). */
const MAX_ATTEMPTS = 100;
const HINTS_MAX = 10_000;

export interface Sequencer {
  /**
   * Stores `m` at the next number of its channel and returns it as stored. A DuplicateKeyError that is
   * not about the number (the same author's clientMsgId stored meanwhile) is rethrown for the caller.
   */
  insert(m: Omit<MessageRecord, 'seq'>): Promise<MessageRecord>;
  /**
   * Number `seq` of `channelId` is stored (another process's message, heard as it was broadcast): the
   * next insert here starts above it. Only channels this process has sent to are followed; anything that
   * is not a plausible number is ignored (the hint must name a stored message, or an insert fails once).
   */
  learn(channelId: string, seq: number): void;
}

/** The sequencer of one process over the chat repository (one per app, like its caches). */
export function createSequencer(repo: ChatRepo): Sequencer {
  const hints = new Map<string, number>();
  const queues = new Map<string, Promise<unknown>>();

  const insertNow = async (m: Omit<MessageRecord, 'seq'>): Promise<MessageRecord> => {
    let seq = (hints.get(m.channelId) ?? (await repo.messages.maxSeq(m.channelId))) + 1;
    for (let attempt = 1; ; attempt++) {
      const record = { ...m, seq } as MessageRecord;
      try {
        await repo.messages.insert(record);
        if (hints.size >= HINTS_MAX) hints.clear();
        // Never lowered: a higher number heard meanwhile is just as stored.
        hints.set(m.channelId, Math.max(seq, hints.get(m.channelId) ?? 0));
        return record;
      } catch (err) {
        if (!(err instanceof DuplicateKeyError) || attempt >= MAX_ATTEMPTS) throw err;
        hints.delete(m.channelId);
        const highest = await repo.messages.maxSeq(m.channelId);
        // The number is still free, so the clash was on the other unique index: a retry of this clientMsgId
        // won the race, and the caller answers with it. (Only then is it worth asking.)
        if (highest < seq && (await repo.messages.byClientId(m.authorId, m.clientMsgId))) throw err;
        // Another process took the number: start again above whatever is there now, after a short random
        // pause once collisions repeat, so two busy writers stop stepping on each other.
        if (attempt > 2) await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, attempt * 5)));
        seq = highest + 1;
      }
    }
  };

  return {
    insert(m) {
      const prev = queues.get(m.channelId) ?? Promise.resolve();
      const run = prev.then(
        () => insertNow(m),
        () => insertNow(m),
      );
      queues.set(m.channelId, run);
      const done = () => {
        if (queues.get(m.channelId) === run) queues.delete(m.channelId);
      };
      run.then(done, done);
      return run;
    },
    learn(channelId, seq) {
      const hint = hints.get(channelId);
      if (hint !== undefined && Number.isSafeInteger(seq) && seq > hint) hints.set(channelId, seq);
    },
  };
}

/** How often (in messages numbered) a long numbering run logs its progress. */
const PROGRESS_EVERY = 10_000;

/**
 * Numbers the messages an older release stored without a seq, then makes the unique (channelId, seq)
 * index. Each one gets its rank in its channel by id (ids are time-ordered), counting every message of
 * the channel, so two processes repairing at once write the same numbers, and a message a repaired
 * process stores meanwhile (highest + 1, a newer id) already has its rank. Idempotent, and one index
 * lookup when there is nothing to number (the `seq` index in CHAT_INDEXES answers `seq: null`).
 * Resumable: a run cut short leaves some messages numbered, and the next one ranks every message again
 * (the same numbers). A page's numbers go in ONE store write (`bulkUpdate`: one transaction on SQLite, one
 * ordered bulk write on MongoDB), not one round trip per message (~25 ms each on FerretDB: 40 minutes
 * for 100,000 messages); `log` hears the progress every `logEvery` messages numbered.
 */
export async function numberOldMessages(store: Store, page = 1000, log?: Logger, logEvery = PROGRESS_EVERY): Promise<number> {
  const messages = store.collection<MessageRecord>('messages');
  const done: string[] = [];
  let numbered = 0;
  let reported = 0;
  for (;;) {
    // `seq: null` matches a missing field on every engine, through the `seq` index.
    const [first] = await messages.find({ seq: null, channelId: { $nin: done } }, { limit: 1 });
    if (!first) break;
    const channelId = first.channelId;
    done.push(channelId);
    let rank = 0;
    let cursor: string | null = null;
    for (;;) {
      const rows: MessageRecord[] = await messages.find({ channelId, ...(cursor ? { _id: { $gt: cursor } } : {}) }, { sort: { _id: 1 }, limit: page });
      const ops = rows.flatMap((m, i) => (m.seq == null ? [{ filter: { _id: m._id }, update: { $set: { seq: rank + i + 1 } } }] : []));
      rank += rows.length;
      numbered += await messages.bulkUpdate(ops);
      if (log && numbered - reported >= logEvery) {
        reported = numbered;
        log.info({ cat: 'chat', numbered, channels: done.length }, 'numbering stored messages for ordered history');
      }
      if (rows.length < page) break;
      cursor = rows[rows.length - 1]!._id;
    }
  }
  await store.ensureIndexes([SEQ_INDEX]);
  return numbered;
}
