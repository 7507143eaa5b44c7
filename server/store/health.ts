/**
 * The store health check behind /healthz: a tiny real write and read-back (one `health` record per
 * process, rewritten each time), so a store that answers pings but refuses writes (full or read-only disk,
 * a MongoDB that lost its primary) is reported unhealthy. Concurrent probes share one check, and a check
 * that hangs fails after `timeoutMs`.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Doc, Store } from './port';

interface HealthRecord extends Doc {
  nonce: string;
  at: Date;
}

/** Returns a function that resolves when `store` accepted a write and returned it, and rejects otherwise. */
export function storeHealthCheck(store: Store, timeoutMs = 5_000): () => Promise<void> {
  const id = `${hostname()}:${process.pid}`;
  let running: Promise<void> | null = null;
  async function check(): Promise<void> {
    const nonce = randomUUID();
    const health = store.collection<HealthRecord>('health');
    await health.updateOne({ _id: id }, { $set: { nonce, at: new Date() } }, { upsert: true });
    const back = await health.findOne({ _id: id });
    if (back?.nonce !== nonce) throw new Error('the health record written was not read back');
  }
  return () => {
    running ??= new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the store did not answer within ${timeoutMs} ms`)), timeoutMs);
      check().then(resolve, reject).finally(() => clearTimeout(timer));
    }).finally(() => {
      running = null;
    });
    return running;
  };
}
