/**
 * Documents across processes over Redis, in the manner of y-redis: one Redis stream per document carries
 * its updates, presence and the owner's durable state vectors (each with the numbered entries of every
 * process that state includes: how a deletion is known to be stored). A process appends at most one binary entry
 * per document per event-loop turn (doc-stream.ts: a burst of keystrokes is one merged update, one XADD,
 * one entry for every reader to parse and apply). Each process reads the streams of the
 * documents it has open from the last entry it saw (one blocking XREAD on its own connection), so a
 * reader that was away (a Redis restart, a slow turn) resumes without a gap. A room that subscribes
 * reads the last `catchUpMs` of its stream: whatever was published while it loaded from the store is
 * applied again (Yjs updates are idempotent; a gap would not be). Ownership is a lease per document
 * with a fencing token from INCR (server/collab/ownership.ts uses it). Streams are trimmed by age.
 */
import { RESP_TYPES } from 'redis';
import { createLocalFanout, DEFAULT_PACE_MS, type RoomFanout } from '../collab/fanout';
import type { DocRelay } from '../collab/relay';
import type { Logger } from '../logger';
import { Outbox, parseEntry, type StreamEntry } from './doc-stream';
import type { Cluster, RedisClient } from './redis';

export interface DocRelayOptions {
  /** How often rooms claim or renew ownership (default 2 s); the lease lasts three times that. */
  claimEveryMs?: number;
  /** How far back a subscribing room reads its stream (default 30 s; the stream keeps 5 minutes). */
  catchUpMs?: number;
  /** Longest blocking read, i.e. the delay before a newly opened document is read (default 200 ms). */
  blockMs?: number;
  /**
   * A document's stream entries go out at most once per `paceMs` (default DEFAULT_PACE_MS, the pace of
   * the local broadcasts): on a busy document the updates, presence and durable marks of that window share
   * one XADD; a document with no entry in the last `paceMs` is written at the end of the event-loop turn.
   * 0 writes every document every turn.
   */
  paceMs?: number;
  /**
   * The stream reader issues a read at most once per this many ms (default: `paceMs`): our own entries wake
   * a blocked read too, so without a pace a busy document costs a read per entry of every process.
   */
  readPaceMs?: number;
}

/** Takes a free lease (a new token above ARGV[3]) or renews ours; -1 when another process holds it. */
const CLAIM = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local inst, tok = string.match(cur, '^(.*)|(%d+)$')
  if inst == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]); return tonumber(tok) end
  return -1
end
local t = redis.call('INCR', KEYS[2])
local m = tonumber(ARGV[3])
if t <= m then t = m + 1; redis.call('SET', KEYS[2], t) end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. t, 'PX', ARGV[2])
return t`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

const RETAIN_MS = 5 * 60_000;
/** An outbox this large is flushed at once rather than at the end of the turn. */
const MAX_ENTRY_BYTES = 256 * 1024;
// Hash tags keep a document's keys on one Redis Cluster slot.
const streamKey = (docId: string) => `collab:{${docId}}:stream`;
const ownerKey = (docId: string) => `collab:{${docId}}:owner`;
const tokenKey = (docId: string) => `collab:{${docId}}:token`;
const docOf = (key: string) => key.slice('collab:{'.length, key.lastIndexOf('}:stream'));

type XReadReply = [key: Buffer, entries: [id: Buffer, fields: Buffer[]][]][] | null;
/** Replies with every bulk string as a Buffer: stream payloads are binary. */
const BINARY = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };

/** The Redis relay; `close()` flushes what is queued and stops its reader. */
export async function createRedisDocRelay(cluster: Cluster, logger: Logger, opts: DocRelayOptions = {}): Promise<DocRelay & { close(): Promise<void> }> {
  const log = logger.child({ cat: 'cluster' });
  const claimEveryMs = opts.claimEveryMs ?? 2_000;
  const catchUpMs = opts.catchUpMs ?? 30_000;
  const blockMs = opts.blockMs ?? 200;
  const paceMs = opts.paceMs ?? DEFAULT_PACE_MS;
  const { client, instance } = cluster;
  // docId -> readers (update, presence and durable listeners) and the last stream id seen.
  const subs = new Map<string, { refs: number; lastId: string; since: number }>();
  const durable = new Map<string, Set<{ sv: (sv: Uint8Array, applied?: ReadonlyMap<string, number>) => void; released?: () => void }>>();
  const held = new Map<string, string>();
  const reader: RedisClient = client.duplicate();
  reader.on('error', () => {}); // reported by the command connection; the loop below retries
  await reader.connect();
  let closed = false;

  const add = (docId: string) => {
    const s = subs.get(docId);
    if (s) s.refs++;
    else subs.set(docId, { refs: 1, lastId: `${Date.now() - catchUpMs}-0`, since: Date.now() });
  };
  const remove = (docId: string) => {
    const s = subs.get(docId);
    if (s && --s.refs <= 0) {
      subs.delete(docId);
      lastEntry.delete(docId);
    }
  };

  // What each document's stream gets at its next entry: one XADD per document per turn, or per pace on a
  // busy document, whatever number of updates, presence changes and durable marks it carries (doc-stream.ts).
  // The entry is written at the local fan-out's paced moment of the document, right after its broadcast:
  // one timer for both, and the updates merged once for both (`own`).
  const outboxes = new Map<string, Outbox>();
  // Every entry of this process gets the next number (one counter for all documents, so a number is never
  // handed out twice, even to a document opened again); per open document, the number of its latest one.
  let entries = 0;
  const lastEntry = new Map<string, number>();
  const sending = new Set<Promise<unknown>>();
  // The stream's expiry is pushed back at most once a minute per document, not at every entry.
  const expirySetAt = new Map<string, number>();
  // Documents whose entry was lost (takePublishFailure): their rooms publish their whole state again.
  const lostEntries = new Set<string>();

  /** Writes `docId`'s queued entry, `own` being this moment's updates merged (the local fan-out's moment). */
  const flushDoc = (docId: string, own: Uint8Array | null) => {
    const box = outboxes.get(docId);
    if (!box) return;
    outboxes.delete(docId);
    // A document no room reads any more (its last entry was a release) needs no entry number kept.
    if (!subs.has(docId)) lastEntry.delete(docId);
    box.update = own;
    const now = Date.now();
    if (expirySetAt.size > 10_000) expirySetAt.clear();
    const key = streamKey(docId);
    const refresh = (expirySetAt.get(docId) ?? 0) < now - 60_000;
    if (refresh) expirySetAt.set(docId, now);
    const sent = Promise.resolve()
      .then(() => client.sendCommand(['XADD', key, 'MINID', '~', String(now - RETAIN_MS), '*', ...box.fields(instance)]))
      .then(() => (refresh ? client.pExpire(key, RETAIN_MS) : undefined))
      .catch((err: unknown) => {
        if (lostEntries.size < 100_000) lostEntries.add(docId);
        log.warn({ err, docId }, 'publishing to a document stream failed; the document will be published whole again');
      })
      .finally(() => sending.delete(sent));
    sending.add(sent);
  };
  const local = createLocalFanout({ paceMs, afterDeliver: flushDoc });

  /** Writes every queued entry now (a drain, close). */
  const flush = () => {
    for (const docId of [...outboxes.keys()]) local.deliverNow(docId);
  };

  /** Queues for `docId`'s next entry: at the end of the turn, or when the document's pace allows. */
  const queue = (docId: string, fill: (box: Outbox) => void) => {
    let box = outboxes.get(docId);
    if (!box) {
      outboxes.set(docId, (box = new Outbox()));
      box.entry = ++entries;
      lastEntry.set(docId, box.entry);
      local.touch(docId);
    }
    fill(box);
    if (box.bytes >= MAX_ENTRY_BYTES) local.deliverNow(docId);
  };

  const deliver = (docId: string, e: StreamEntry, since: number) => {
    const own = e.instance === instance;
    // Our own updates reached our rooms directly, except those published before this room existed.
    // The origin names the entry (instance#number): the owner's room reports which entries its writes included.
    if (e.update && (!own || e.at < since)) local.publishForeign(docId, e.update, own ? 'replay' : `relay:${e.instance}${e.entry ? `#${e.entry}` : ''}`);
    if (own) return;
    for (const a of e.awareness) local.publishAwareness(docId, a, `relay:${e.instance}`);
    const listeners = durable.get(docId);
    if (!listeners) return;
    if (e.durable) for (const l of listeners) l.sv(e.durable, e.applied);
    if (e.released) for (const l of listeners) l.released?.();
  };

  const readPaceMs = opts.readPaceMs ?? paceMs;
  let lastRead = -Infinity;
  const loop = async () => {
    while (!closed) {
      if (subs.size === 0) {
        await new Promise((r) => setTimeout(r, blockMs));
        continue;
      }
      // Reads at most once per pace: entries of a busy moment (ours, which wake the read too, and the
      // others') come back together in one reply instead of one read each.
      const wait = lastRead + readPaceMs - performance.now();
      if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
      lastRead = performance.now();
      const docs = [...subs.keys()];
      try {
        const args = ['XREAD', 'COUNT', '500', 'BLOCK', String(blockMs), 'STREAMS', ...docs.map(streamKey), ...docs.map((d) => subs.get(d)!.lastId)];
        const reply = (await reader.sendCommand(args, BINARY)) as unknown as XReadReply;
        for (const [key, entries] of reply ?? []) {
          const docId = docOf(key.toString());
          const s = subs.get(docId);
          if (!s) continue;
          for (const [id, fields] of entries) {
            s.lastId = id.toString('latin1');
            try {
              deliver(docId, parseEntry(id, fields), s.since);
            } catch (err) {
              // One unreadable entry (not ours: a foreign writer) must not stop the stream.
              log.warn({ err, docId, id: s.lastId }, 'skipping an unreadable document stream entry');
            }
          }
        }
      } catch (err) {
        if (closed) return;
        log.warn({ err: (err as Error).message }, 'reading document streams failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const running = loop();
  /** A local subscription that also keeps the document's stream read while it lasts. */
  const reading = (docId: string, off: () => void) => {
    add(docId);
    return () => {
      off();
      remove(docId);
    };
  };

  const fanout: RoomFanout = {
    publish(docId, update, origin) {
      // The entry gets the merged update at the fan-out's moment (flushDoc); the box counts its bytes.
      local.publish(docId, update, origin);
      queue(docId, (box) => (box.bytes += update.byteLength));
    },
    subscribe: (docId, listener) => reading(docId, local.subscribe(docId, listener)),
    publishAwareness(docId, update, origin) {
      local.publishAwareness(docId, update, origin);
      queue(docId, (box) => {
        box.awareness.push(update);
        box.bytes += update.byteLength;
      });
    },
    subscribeAwareness: (docId, listener) => reading(docId, local.subscribeAwareness(docId, listener)),
    flush() {
      local.flush();
      flush();
    },
  };

  return {
    fanout,
    claimEveryMs,
    async claim(docId, minToken = 0) {
      const t = Number(await client.eval(CLAIM, { keys: [ownerKey(docId), tokenKey(docId)], arguments: [instance, String(claimEveryMs * 3), String(minToken)] }));
      if (t < 0) return null;
      held.set(docId, `${instance}|${t}`);
      return t;
    },
    async release(docId) {
      const value = held.get(docId);
      held.delete(docId);
      if (!value) return;
      await client.eval(RELEASE, { keys: [ownerKey(docId)], arguments: [value] });
      queue(docId, (box) => (box.released = true));
    },
    publishDurable: (docId, sv, applied) =>
      queue(docId, (box) => {
        box.durable = sv;
        box.applied = applied ?? null;
      }),
    entryFor(docId) {
      const entry = lastEntry.get(docId);
      return entry === undefined ? undefined : { instance, entry };
    },
    takePublishFailure: (docId) => lostEntries.delete(docId),
    subscribeDurable(docId, listener, released) {
      let set = durable.get(docId);
      if (!set) durable.set(docId, (set = new Set()));
      const entry = { sv: listener, ...(released ? { released } : {}) };
      set.add(entry);
      add(docId);
      return () => {
        set.delete(entry);
        if (set.size === 0) durable.delete(docId);
        remove(docId);
      };
    },
    async close() {
      // What is queued (a drain's last durable mark and release) still goes out.
      flush();
      await Promise.allSettled([...sending]);
      closed = true;
      await running.catch(() => undefined);
      await reader.close().catch(() => undefined);
    },
  };
}
