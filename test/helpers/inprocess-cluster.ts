/**
 * Server "processes" as apps inside the test process, on one Redis and one store, each with its own Redis
 * connections (adapter, bus, document relay) and instance id: what a cluster test needs when it must count
 * or hold what one process does with the store, which a child process would hide. Each app gets its own
 * view of the shared store (`storeView`), e.g. one that counts or holds its writes.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { createApp, type App } from '../../server/app';
import { openCluster, type Cluster } from '../../server/cluster/redis';
import { loadConfig } from '../../server/config';
import type { Feature } from '../../server/feature';
import { FEATURES } from '../../server/features';
import { createLogger } from '../../server/logger';
import type { Store } from '../../server/store/port';
import { redisSkipReason, startRedis, type RedisHandle } from './cluster';
import { openTestStore, removeTestData, tempDir } from './server';

export interface InProcessNode {
  url: string;
  wsUrl: string;
  app: App;
  cluster: Cluster;
}

export interface InProcessCluster {
  /** The store every app shares (as the apps see it, before their own views). */
  store(): Store;
  /** Starts one more app: every feature plus `extra`, seeing the store through `storeView`. */
  start(opts?: { storeView?: (store: Store) => Store; extra?: Feature[] }): Promise<InProcessNode>;
}

/**
 * Redis and a store before a test file's tests (unless Redis is missing: the reason is printed and
 * returned as `skip`), every app started closed after them (`cleanup` first: close the clients).
 */
export function useInProcessCluster(file: string, cleanup: () => void = () => {}): { skip: string | null; cluster: InProcessCluster } {
  const skip = redisSkipReason();
  if (skip) console.warn(`[${file}] skipped: ${skip}`);
  const logger = createLogger('silent');
  let redis: RedisHandle | undefined;
  let dataDir: string | undefined;
  let store: Store | undefined;
  const nodes: InProcessNode[] = [];
  beforeAll(async () => {
    if (skip) return;
    redis = await startRedis();
    dataDir = tempDir();
    store = await openTestStore(dataDir);
  }, 30_000);
  afterAll(async () => {
    cleanup();
    for (const { app, cluster } of nodes) {
      app.server.close();
      await app.close();
      await cluster.close();
    }
    await store?.close();
    if (dataDir) await removeTestData(dataDir);
    await redis?.stop();
  }, 30_000);
  return {
    skip,
    cluster: {
      store: () => store!,
      async start({ storeView = (s: Store) => s, extra = [] }: { storeView?: (store: Store) => Store; extra?: Feature[] } = {}) {
        const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir!, LOG_LEVEL: 'silent', REDIS_URL: redis!.url });
        const cluster = await openCluster(redis!.url, logger);
        const app = await createApp({ config, store: storeView(store!), logger, cluster, features: [...FEATURES, ...extra] });
        await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
        const port = (app.server.address() as AddressInfo).port;
        const node = { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}`, app, cluster };
        nodes.push(node);
        return node;
      },
    },
  };
}
