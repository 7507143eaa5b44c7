/**
 * Leases in Redis: a key held by one process for a time-to-live, renewed while it works (SET NX PX, then
 * compare-and-extend / compare-and-delete in Lua so a process never extends or frees a lease another one
 * took after its own expired). Used so periodic jobs run once per cluster, not once per process.
 */
import type { Cluster } from './redis';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** One named lease, as seen by this process. */
export interface Lease {
  /** Takes the lease when free or extends it when held by us; true when we hold it now. */
  claim(): Promise<boolean>;
  /** Frees the lease if we hold it (a drain hands the job over at once instead of after the TTL). */
  release(): Promise<void>;
}

/** A lease on `key` for `ttlMs`, held under this process's instance id. */
export function createLease(cluster: Cluster, key: string, ttlMs: number): Lease {
  const { client, instance } = cluster;
  return {
    async claim() {
      const took = await client.sendCommand(['SET', key, instance, 'NX', 'PX', String(ttlMs)]);
      if (String(took) === 'OK') return true;
      return Number(await client.eval(RENEW, { keys: [key], arguments: [instance, String(ttlMs)] })) === 1;
    },
    async release() {
      await client.eval(RELEASE, { keys: [key], arguments: [instance] });
    },
  };
}

/** Decides, at each tick of a periodic job, whether this process runs it (see `Ctx.jobs`). */
export interface JobGate {
  /** True when this process should run job `name` now (it holds the job's lease, or there is no cluster). */
  mine(name: string, everyMs: number): Promise<boolean>;
  /** Frees every job lease this process holds. */
  releaseAll(): Promise<void>;
}

/** The gate of a single process: every job is its own. */
export const soloGate: JobGate = { mine: async () => true, releaseAll: async () => {} };

/**
 * The gate of a cluster: a job's lease lasts three of its intervals and is renewed at every tick by its
 * holder, so a dead holder's jobs move to another process within three ticks. Redis unreachable: nobody
 * runs the job (a skipped sweep is harmless; a doubled one might not be).
 */
export function clusterGate(cluster: Cluster, onError: (err: unknown) => void): JobGate {
  const leases = new Map<string, Lease>();
  return {
    async mine(name, everyMs) {
      let lease = leases.get(name);
      if (!lease) leases.set(name, (lease = createLease(cluster, `collab:job:${name}`, everyMs * 3)));
      try {
        return await lease.claim();
      } catch (err) {
        onError(err);
        return false;
      }
    },
    async releaseAll() {
      await Promise.allSettled([...leases.values()].map((l) => l.release()));
    },
  };
}
