/**
 * Fencing through the store port: once a newer owner fenced a document, an older owner (its lease
 * expired while it was paused) can neither add to the log, nor compact away the newer owner's writes,
 * nor acknowledge anything. Runs on MongoDB (FerretDB) like the cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createUpdateLog, SEQ_SPAN, StaleOwnerError, UPDATES, type UpdateLog } from '../../server/collab/updateLog';
import { RoomWriter } from '../../server/collab/writer';
import { createLogger } from '../../server/logger';
import { openMongoStore } from '../../server/store/mongo';
import type { Store } from '../../server/store/port';
import { clusterSkipReason, startMongo, type MongoHandle } from '../helpers/cluster';

const skip = clusterSkipReason();
if (skip) console.warn(`[cluster-fencing] skipped: ${skip}`);

let mongo: MongoHandle;
let store: Store;
let log: UpdateLog;

beforeAll(async () => {
  if (skip) return;
  mongo = await startMongo();
  store = await openMongoStore(mongo.uri);
  log = createUpdateLog(store, Date.now);
}, 30_000);
afterAll(async () => {
  await store?.close();
  await mongo?.stop();
});

/** An update inserting `s` into a fresh document's text (each from its own client). */
function edit(s: string): Uint8Array {
  const d = new Y.Doc();
  d.getText('t').insert(0, s);
  return Y.encodeStateAsUpdate(d);
}

describe.skipIf(skip)('a stale owner', () => {
  it('cannot write, compact away the new owner’s writes, or be fenced back in', async () => {
    const docId = `fence-${Date.now()}`;
    expect(await log.fence(docId, 1)).toBeNull();
    await log.append(docId, SEQ_SPAN + 1, edit('old owner before '), 1);

    // The old owner pauses; its lease expires; a new owner fences with a higher token and loads.
    expect(await log.fence(docId, 2)).toBeNull();
    const seen = await log.load(docId);
    expect(seen.doc.getText('t').toString()).toContain('old owner before');
    await log.append(docId, 2 * SEQ_SPAN + 1, edit('new owner '), 2);

    // The old owner wakes up: its writes are refused...
    await expect(log.append(docId, SEQ_SPAN + 2, edit('stale write '), 1)).rejects.toBeInstanceOf(StaleOwnerError);
    // ...its compaction (a snapshot of its own, older state) removes nothing...
    const staleState = edit('old owner before ');
    await expect(log.compact(docId, SEQ_SPAN + 2, staleState, 1)).rejects.toBeInstanceOf(StaleOwnerError);
    const records = await store.collection<{ _id: string; seq: number }>(UPDATES).find({ docId });
    expect(records.map((r) => r.seq)).toContain(2 * SEQ_SPAN + 1);
    expect(records.map((r) => r.seq)).toContain(SEQ_SPAN + 1);
    // ...and it cannot take the document back with its old token.
    expect(await log.fence(docId, 1)).toBe(2);

    const now = (await log.load(docId)).doc.getText('t').toString();
    expect(now).toContain('new owner');
    expect(now).toContain('old owner before');
  });

  it('its writer acknowledges nothing and fails at once instead of retrying', async () => {
    const docId = `fence-writer-${Date.now()}`;
    expect(await log.fence(docId, 5)).toBeNull();
    const doc = new Y.Doc();
    const durable: Uint8Array[] = [];
    let failed: unknown = null;
    const writer = new RoomWriter({
      docId,
      log,
      logger: createLogger('silent'),
      stateVector: () => Y.encodeStateVector(doc),
      fullState: () => Y.encodeStateAsUpdate(doc),
      onDurable: (sv) => durable.push(sv),
      onFailed: (err) => (failed = err),
      retry: { attempts: 8, minMs: 1_000, maxMs: 5_000 },
      lastSeq: 0,
      updatesSinceSnapshot: 0,
      compactEvery: 500,
    });
    writer.adopt(5, await log.load(docId));
    writer.push(edit('fenced in'), 'c1');
    await writer.flush();
    expect(durable).toHaveLength(1);

    expect(await log.fence(docId, 6)).toBeNull(); // a newer owner
    writer.push(edit('too late'), 'c1');
    const started = Date.now();
    await expect(writer.flush()).rejects.toBeInstanceOf(StaleOwnerError);
    expect(Date.now() - started).toBeLessThan(1_000); // no backoff retries
    expect(failed).toBeInstanceOf(StaleOwnerError);
    expect(durable).toHaveLength(1);
  });
});
