/**
 * The document relay's pace against a real Redis, two relays standing for two processes: a busy
 * document's updates share one stream entry per pace, a quiet document's first update goes out at once,
 * and the other process receives everything, in one piece.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createRedisDocRelay } from '../../server/cluster/doc-relay';
import { openCluster, type Cluster } from '../../server/cluster/redis';
import { createLogger } from '../../server/logger';
import { redisSkipReason, startRedis, type RedisHandle } from '../helpers/cluster';

const skip = redisSkipReason();
if (skip) console.warn(`[cluster-relay-pace] skipped: ${skip}`);

const logger = createLogger('silent');
let redis: RedisHandle;
const clusters: Cluster[] = [];
const relays: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  if (skip) return;
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  for (const r of relays) await r.close();
  for (const c of clusters) await c.close();
  await redis?.stop();
});

async function relay(paceMs: number) {
  const cluster = await openCluster(redis.url, logger);
  clusters.push(cluster);
  const r = await createRedisDocRelay(cluster, logger, { paceMs, blockMs: 50, catchUpMs: 5_000 });
  relays.push(r);
  return { r, cluster };
}

/** Two relays (two processes) at `paceMs`, and what the second one's subscriber to `docId` received. */
async function pair(docId: string, paceMs: number) {
  const a = await relay(paceMs);
  const b = await relay(paceMs);
  const got = new Y.Doc();
  b.r.fanout.subscribe(docId, (batch) => Y.applyUpdate(got, batch.update));
  await new Promise((res) => setTimeout(res, 100)); // B's reader picks the document up
  return { a, got };
}

const turn = () => new Promise((res) => setImmediate(res));
const streamLength = (c: Cluster, docId: string) => c.client.xLen(`collab:{${docId}}:stream`);

describe.skipIf(skip)('the document relay pace', () => {
  it('a quiet document is written at once; a busy one waits for the pace and merges what came meanwhile', async () => {
    const docId = `pace-${Date.now()}`;
    const { a, got } = await pair(docId, 1_000);

    const src = new Y.Doc();
    const ups: Uint8Array[] = [];
    src.on('update', (u: Uint8Array) => ups.push(u));
    for (let i = 0; i < 4; i++) src.getText('t').insert(i, String(i));

    // Quiet: the first update has its entry within the turn, far sooner than the 1 s pace.
    a.r.fanout.publish(docId, ups[0]!, 'c0');
    await expect.poll(() => streamLength(a.cluster, docId), { timeout: 500 }).toBe(1);
    // Busy now: three more, each in a turn of its own, wait for the pace and share one entry.
    for (const u of ups.slice(1)) {
      a.r.fanout.publish(docId, u, 'c1');
      await turn();
    }
    await new Promise((res) => setTimeout(res, 300));
    expect(await streamLength(a.cluster, docId)).toBe(1);
    await expect.poll(() => streamLength(a.cluster, docId), { timeout: 2_000 }).toBe(2);
    // The other process has all of it.
    await expect.poll(() => got.getText('t').toString(), { timeout: 2_000 }).toBe('0123');
  });

  it('many updates in separate turns cost a few entries, and arrive whole on the other process', async () => {
    const docId = `burst-${Date.now()}`;
    const { a, got } = await pair(docId, 20);

    const src = new Y.Doc();
    src.on('update', (u: Uint8Array) => a.r.fanout.publish(docId, u, 'c0'));
    const started = performance.now();
    for (let i = 0; i < 200; i++) {
      src.getText('t').insert(i, String(i % 10));
      await turn();
    }
    const elapsed = performance.now() - started;
    const want = src.getText('t').toString();
    await expect.poll(() => got.getText('t').toString(), { timeout: 5_000 }).toBe(want);
    const entries = await streamLength(a.cluster, docId);
    // One entry per turn would be 200; the pace allows one per 20 ms of the run, plus the first.
    expect(entries).toBeLessThanOrEqual(Math.ceil(elapsed / 20) + 2);
    expect(entries).toBeLessThan(200);
  });
});
