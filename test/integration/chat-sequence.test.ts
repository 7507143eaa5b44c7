/**
 * Per-channel sequence numbers (server/chat/sequence.ts) on every store: two sequencers over one store
 * stand for two processes, one insert is held back on its way to the store, and a reader catching up
 * by sequence must still see every message exactly once, in order, with no number passed too early.
 * Also: the numbering of messages stored by an older release, and the unique (channelId, seq) index.
 * MongoDB runs when MONGODB_URI names a server (FerretDB in .ci/run).
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHAT_INDEXES, createChatRepo, untouchedMessage, type ChatRepo, type MessageRecord } from '../../server/chat/records';
import { pageBySeq } from '../../server/chat/reading';
import { createSequencer, numberOldMessages } from '../../server/chat/sequence';
import { newSortableId } from '../../server/ids';
import { DuplicateKeyError, type Store } from '../../server/store/port';
import { MONGODB_SKIP_REASON } from '../helpers/mongo';
import { scratchEmbedded, scratchMongo, type ScratchStore } from '../helpers/stores';

let n = 0;
/** A message as sendMessage builds it, before it is numbered. */
const draft = (channelId: string, text: string, parentId: string | null = null): Omit<MessageRecord, 'seq'> => ({
  _id: newSortableId(),
  spaceId: 's1',
  channelId,
  authorId: `author-${text}`,
  authorName: text,
  text,
  words: [],
  mentions: [],
  parentId,
  clientMsgId: `client-${++n}-${Date.now()}`,
  createdAt: new Date(),
  ...untouchedMessage(),
});

/** A repository whose next message insert waits for `release()` after it was handed its number. */
function holdNextInsert(repo: ChatRepo) {
  let release!: () => void;
  let reached!: (seq: number) => void;
  const gate = new Promise<void>((r) => (release = r));
  const arrived = new Promise<number>((r) => (reached = r));
  let held = false;
  const insert = repo.messages.insert;
  const wrapped: ChatRepo = {
    ...repo,
    messages: {
      ...repo.messages,
      insert: async (m) => {
        if (!held) {
          held = true;
          reached(m.seq);
          await gate;
        }
        return insert(m);
      },
    },
  };
  return { repo: wrapped, release, arrived };
}

/** A reader that catches up by sequence, as the client does after every reconnection. */
function reader(repo: ChatRepo, channelId: string) {
  const seen: MessageRecord[] = [];
  let cursor = 0;
  return {
    seen,
    async catchUp() {
      for (;;) {
        const page = await pageBySeq(repo, channelId, null, { after: cursor }, 3);
        seen.push(...page.rows);
        cursor = page.rows[page.rows.length - 1]?.seq ?? cursor;
        if (!page.hasMore) return;
      }
    },
  };
}

function suite(open: () => Promise<ScratchStore>) {
  let scratch: ScratchStore;
  let store: Store;
  let repo: ChatRepo;
  let ch = 0;
  beforeAll(async () => {
    scratch = await open();
    store = scratch.store;
    await store.ensureIndexes(CHAT_INDEXES);
    await numberOldMessages(store);
    repo = createChatRepo(store);
  });
  afterAll(async () => {
    await scratch?.cleanup();
  });
  const channel = () => `chan-${++ch}-${Date.now().toString(36)}`;

  it('numbers a channel 1, 2, 3 … with replies in the same sequence, each channel on its own', async () => {
    const seq = createSequencer(repo);
    const [a, b] = [channel(), channel()];
    const first = await seq.insert(draft(a, 'one'));
    const reply = await seq.insert(draft(a, 'reply', first._id));
    const other = await seq.insert(draft(b, 'elsewhere'));
    const third = await seq.insert(draft(a, 'three'));
    expect([first.seq, reply.seq, third.seq, other.seq]).toEqual([1, 2, 3, 1]);
    const page = await pageBySeq(repo, a, null, {}, 10);
    expect(page.rows.map((m) => m.text)).toEqual(['one', 'three']);
  });

  it('many concurrent sends in one process get distinct numbers without gaps', async () => {
    const seq = createSequencer(repo);
    const c = channel();
    const stored = await Promise.all(Array.from({ length: 30 }, (_, i) => seq.insert(draft(c, `m${i}`))));
    expect(stored.map((m) => m.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('a held insert from process A never appears behind a cursor a reader already passed (B writes meanwhile)', async () => {
    const c = channel();
    const held = holdNextInsert(repo);
    const procA = createSequencer(held.repo);
    const procB = createSequencer(repo);
    const r = reader(repo, c);

    // A picks its number (1) and its insert stalls on the way to the store.
    const aDone = procA.insert(draft(c, 'from A'));
    expect(await held.arrived).toBe(1);
    // B, on another process, stores two messages meanwhile: it can only number what it sees, so it takes 1 and 2.
    const b1 = await procB.insert(draft(c, 'from B 1'));
    const b2 = await procB.insert(draft(c, 'from B 2'));
    expect([b1.seq, b2.seq]).toEqual([1, 2]);
    await r.catchUp();
    expect(r.seen.map((m) => m.seq)).toEqual([1, 2]);

    // A's insert lands now: number 1 is taken, so A stores above everything a reader may have passed.
    held.release();
    const a = await aDone;
    expect(a.seq).toBe(3);
    await r.catchUp();
    expect(r.seen.map((m) => [m.seq, m.text])).toEqual([
      [1, 'from B 1'],
      [2, 'from B 2'],
      [3, 'from A'],
    ]);
  });

  it('two writers racing on one channel while a reader catches up: every message once, in order, no gap', async () => {
    const c = channel();
    const procs = [createSequencer(repo), createSequencer(repo)];
    const r = reader(repo, c);
    let writing = true;
    const readerLoop = (async () => {
      while (writing) {
        await r.catchUp();
        await new Promise((res) => setTimeout(res, 1));
      }
    })();
    const stored = await Promise.all(
      procs.map(async (p, w) => {
        const mine: MessageRecord[] = [];
        for (let i = 0; i < 15; i++) mine.push(await p.insert(draft(c, `w${w}-${i}`)));
        return mine;
      }),
    );
    writing = false;
    await readerLoop;
    await r.catchUp();
    const all = stored.flat();
    expect(r.seen.map((m) => m.seq)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    expect(new Set(r.seen.map((m) => m._id))).toEqual(new Set(all.map((m) => m._id)));
    // Each writer's own messages keep the order it sent them in.
    for (const mine of stored) expect(mine.map((m) => m.seq)).toEqual([...mine.map((m) => m.seq)].sort((x, y) => x - y));
  });

  it('a number heard from another process is learned: the next insert goes above it, with no refused insert and no read', async () => {
    const c = channel();
    const calls = { insert: 0, maxSeq: 0 };
    const counted: ChatRepo = {
      ...repo,
      messages: {
        ...repo.messages,
        insert: (m) => (calls.insert++, repo.messages.insert(m)),
        maxSeq: (id) => (calls.maxSeq++, repo.messages.maxSeq(id)),
      },
    };
    const here = createSequencer(counted);
    const there = createSequencer(repo);
    expect((await here.insert(draft(c, 'here'))).seq).toBe(1);
    const heard = await there.insert(draft(c, 'there'));
    here.learn(c, heard.seq);
    // A lower number, or no number at all, changes nothing.
    here.learn(c, 1);
    here.learn(c, Number.NaN);
    Object.assign(calls, { insert: 0, maxSeq: 0 });
    expect((await here.insert(draft(c, 'here again'))).seq).toBe(3);
    expect(calls).toEqual({ insert: 1, maxSeq: 0 });

    // Not heard (what happened before): the stale number is refused first, then the highest is read.
    await there.insert(draft(c, 'there again'));
    Object.assign(calls, { insert: 0, maxSeq: 0 });
    expect((await here.insert(draft(c, 'here at last'))).seq).toBe(5);
    expect(calls).toEqual({ insert: 2, maxSeq: 1 });
  });

  it('pages back with before and never past the stored top', async () => {
    const seq = createSequencer(repo);
    const c = channel();
    for (let i = 1; i <= 7; i++) await seq.insert(draft(c, `p${i}`));
    const newest = await pageBySeq(repo, c, null, {}, 3);
    expect(newest.rows.map((m) => m.seq)).toEqual([5, 6, 7]);
    expect(newest.hasMore).toBe(true);
    const older = await pageBySeq(repo, c, null, { before: 5 }, 3);
    expect(older.rows.map((m) => m.seq)).toEqual([2, 3, 4]);
    const oldest = await pageBySeq(repo, c, null, { before: 2 }, 3);
    expect(oldest).toEqual({ rows: [expect.objectContaining({ seq: 1 })], hasMore: false });
  });

  it('the unique (channelId, seq) index refuses a second message at a number', async () => {
    const c = channel();
    await repo.messages.insert({ ...draft(c, 'x'), seq: 1 });
    await expect(repo.messages.insert({ ...draft(c, 'y'), seq: 1 })).rejects.toBeInstanceOf(DuplicateKeyError);
  });

  /** Runs `check` on a store of its own, as an older release left it (its indexes, messages without seq). */
  const onFreshStore = async (check: (store: Store) => Promise<void>) => {
    const fresh = await open();
    try {
      await check(fresh.store);
    } finally {
      await fresh.cleanup();
    }
  };

  it('numbers messages an older release stored (by id order, per channel), idempotently, also when two processes repair at once', () => onFreshStore(migrated));

  it('numbers thousands of old messages over several channels in batches, in id order, and a second run changes nothing', () => onFreshStore(migratedInBatches), 120_000);
}

/**
 * Thousands of an older release's messages over several channels, stored out of order, some already
 * numbered by a run cut short: numbered in batches (bulkUpdate), in id order per channel, with progress
 * logged; a second run changes nothing.
 */
async function migratedInBatches(store: Store) {
  await store.ensureIndexes(CHAT_INDEXES);
  const messages = store.collection<MessageRecord>('messages');
  const channels = Array.from({ length: 5 }, () => `bulk-${++n}`);
  const t = Date.now() - 3_600_000;
  // FerretDB updates a record in ~15-25 ms whatever the batching (its SQLite backend), so fewer there.
  const total = store.kind === 'embedded' ? 3000 : 1000;
  const page = store.kind === 'embedded' ? 400 : 150;
  const olds = Array.from({ length: total }, (_, i) => ({ ...draft(channels[(i * 7) % 5]!, `old${i}`), _id: newSortableId(t + i) }));
  // Shuffled (a fixed permutation), inserted in batches as a store an older release wrote.
  const shuffled = olds.map((m, i) => ({ m, k: (i * 7919) % olds.length })).sort((a, b) => a.k - b.k).map((x) => x.m);
  for (let i = 0; i < shuffled.length; i += 500) await messages.insertMany(shuffled.slice(i, i + 500) as MessageRecord[]);
  // A run cut short numbered the first 10 messages of the first channel already.
  const firstTen = olds.filter((m) => m.channelId === channels[0]).slice(0, 10);
  await messages.bulkUpdate(firstTen.map((m, i) => ({ filter: { _id: m._id }, update: { $set: { seq: i + 1 } } })));

  const lines: { numbered?: number; msg?: string }[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
  const bulk = vi.spyOn(messages.constructor.prototype as { bulkUpdate: () => unknown }, 'bulkUpdate');
  const updates = vi.spyOn(messages.constructor.prototype as { updateOne: () => unknown }, 'updateOne');
  const t0 = performance.now();
  expect(await numberOldMessages(store, page, logger, total / 3)).toBe(total - 10);
  const ms = performance.now() - t0;
  // One store write per page of a channel (2 pages a channel), never one per message.
  expect(bulk.mock.calls.length).toBeLessThanOrEqual(10);
  expect(updates).not.toHaveBeenCalled();
  bulk.mockRestore();
  updates.mockRestore();
  // Progress every third of the run or more (where pages end depends on which channel comes first).
  const progress = lines.filter((l) => l.msg === 'numbering stored messages for ordered history').map((l) => l.numbered!);
  expect(progress.length).toBeGreaterThanOrEqual(1);
  expect(progress[0]).toBeGreaterThanOrEqual(total / 3);
  for (let i = 1; i < progress.length; i++) expect(progress[i]! - progress[i - 1]!).toBeGreaterThanOrEqual(total / 3);
  console.info(`[chat-sequence] ${store.kind}: numbered ${total - 10} old messages in ${Math.round(ms)} ms`);

  const numbered = await messages.find({ channelId: { $in: channels } }, { sort: { _id: 1 } });
  expect(numbered).toHaveLength(total);
  for (const c of channels) {
    const rows = numbered.filter((m) => m.channelId === c);
    expect(rows.map((m) => m.seq)).toEqual(rows.map((_, i) => i + 1));
  }
  // A second run (another process starting later) numbers nothing and changes nothing.
  expect(await numberOldMessages(store, page, logger, total / 3)).toBe(0);
  expect(await messages.find({ channelId: { $in: channels } }, { sort: { _id: 1 } })).toEqual(numbered);
}

/** An older release's messages (no seq, no unique index) numbered by the repair, twice at once. */
async function migrated(store: Store) {
  await store.ensureIndexes(CHAT_INDEXES);
  const repo = createChatRepo(store);
  const channel = () => `old-${++n}`;
  const old = store.collection<Omit<MessageRecord, 'seq'>>('messages');
  const [c1, c2] = [channel(), channel()];
  const t = Date.now() - 60_000;
  const olds = Array.from({ length: 7 }, (_, i) => ({ ...draft(i % 2 ? c1 : c2, `old${i}`), _id: newSortableId(t + i) }));
  // Stored in a shuffled order: the numbers follow the ids (time), not the order of the records.
  for (const m of [...olds].reverse()) await old.insertOne(m);
  const [x, y] = await Promise.all([numberOldMessages(store, 2), numberOldMessages(store, 3)]);
  expect(x + y).toBeGreaterThanOrEqual(7);
  expect(await numberOldMessages(store)).toBe(0);
  for (const c of [c1, c2]) {
    const rows = await store.collection<MessageRecord>('messages').find({ channelId: c }, { sort: { seq: 1 } });
    expect(rows.map((m) => m.seq)).toEqual(rows.map((_, i) => i + 1));
    expect(rows.map((m) => m._id)).toEqual([...rows.map((m) => m._id)].sort());
  }
  // New messages continue above them.
  expect((await createSequencer(repo).insert(draft(c1, 'new'))).seq).toBe(4);
  await expect(store.collection<MessageRecord>('messages').count({ seq: { $exists: false } })).resolves.toBe(0);
  // The repair made the unique index.
  await expect(repo.messages.insert({ ...draft(c1, 'dup'), seq: 2 })).rejects.toBeInstanceOf(DuplicateKeyError);
}

describe('chat sequence: embedded store', () => suite(() => scratchEmbedded('chatseq')));

if (MONGODB_SKIP_REASON) console.warn(`[chat-sequence] MongoDB part skipped: ${MONGODB_SKIP_REASON}`);
describe.skipIf(!!MONGODB_SKIP_REASON)('chat sequence: MongoDB', () => suite(() => scratchMongo('chatseq')));
