/**
 * The cluster's Redis connection: one command client (also handed to the Socket.IO adapter and the rate
 * limiters) and one subscriber for pub/sub, both reconnecting by themselves after Redis restarts. Only
 * created when REDIS_URL is set; without it every process keeps its state in memory as before.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import type { Logger } from '../logger';

export type RedisClient = ReturnType<typeof createClient>;

export interface Cluster {
  /** Names this process in leases and relayed messages. */
  readonly instance: string;
  /** Commands (and the Socket.IO adapter, which duplicates it for its blocking reads). */
  readonly client: RedisClient;
  /** Pub/sub subscriptions only (a subscribed connection takes no other command). */
  readonly subscriber: RedisClient;
  /** True while both connections are up (for /healthz). */
  healthy(): boolean;
  /** Closes both connections. */
  close(): Promise<void>;
}

/** Opens the cluster connections; rejects when Redis does not answer at boot. */
export async function openCluster(url: string, logger: Logger): Promise<Cluster> {
  const log = logger.child({ cat: 'cluster' });
  // Back off up to 2 s between attempts, forever: a Redis restart must heal without a process restart.
  const client: RedisClient = createClient({ url, socket: { reconnectStrategy: (n) => Math.min(50 * 2 ** n, 2_000) } });
  const subscriber = client.duplicate();
  let lastError = 0;
  for (const [name, c] of [['commands', client], ['subscriber', subscriber]] as const) {
    // Without an 'error' listener node-redis would crash the process on a dropped connection.
    c.on('error', (err: Error) => {
      if (Date.now() - lastError > 5_000) log.warn({ err: err.message, connection: name }, 'redis connection error');
      lastError = Date.now();
    });
    c.on('ready', () => log.info({ connection: name }, 'redis connection ready'));
  }
  await Promise.all([client.connect(), subscriber.connect()]);
  return {
    instance: randomBytes(6).toString('base64url'),
    client,
    subscriber,
    healthy: () => client.isReady && subscriber.isReady,
    async close() {
      await Promise.allSettled([client.close(), subscriber.close()]);
    },
  };
}
