/**
 * The one rate limiter of the app, over rate-limiter-flexible: HTTP routes, Socket.IO events and the
 * document socket all count through it. Where the counts live is chosen once at boot (`LimitStore`):
 * in this process's memory, or in Redis (REDIS_URL) where every process of a cluster counts together.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisClient } from './cluster/redis';
import { rateLimited } from './errors';

/** Where the counters live: this process's memory, or Redis shared by every process (node-redis v5 client). */
export type LimitStore = { kind: 'memory' } | { kind: 'redis'; client: RedisClient };

export interface LimitOptions {
  /** Names the limiter's counters in a shared store (its key prefix); unique per limiter. */
  name: string;
  /** Hits allowed per `duration` seconds per key. */
  points: number;
  duration: number;
  /** Extra hits allowed once per `duration` seconds when `points` ran out (a burst on top of a steady rate). */
  burst?: { points: number; duration: number };
  /** What the user reads when refused: a text (a retry hint is appended) or a function of the wait. */
  message?: string | ((retryAfterSeconds: number) => string);
}

export type Hit = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface Limiter {
  /** Counts `points` (default 1) for `key`; true while within the limit. */
  consume(key: string, points?: number): Promise<boolean>;
  /** Counts like `consume` and says how long to wait when refused. */
  hit(key: string, points?: number): Promise<Hit>;
  /** Counts like `consume`; throws `rate_limited` (with `details.retryAfterSeconds`) when refused. */
  enforce(key: string, points?: number): Promise<void>;
  /** Gives back points counted for a hit that turned out not to count. */
  reward(key: string, points?: number): Promise<void>;
  /** Forgets every hit counted for `key`. */
  reset(key: string): Promise<void>;
}

/** Makes limiters on the store chosen at boot. */
export type LimiterFactory = (opts: LimitOptions) => Limiter;

export interface LimitEnv {
  store?: LimitStore;
  /** The app's clock (tests move it); windows follow it. */
  now?: () => number;
}

/** The factory for a store (memory by default) and clock. */
export function limiterFactory(env: LimitEnv = {}): LimiterFactory {
  return (opts) => createLimiter(opts, env);
}

/**
 * How far the app's clock has been moved ahead since the first hit, in ms: 0 in production (the clock is
 * real time), where windows are rate-limiter-flexible's own (from a key's first hit, in real time). A test
 * that moves its clock forward gets fresh windows, as it would after waiting.
 */
function clockLead(now: () => number): () => number {
  if (now === Date.now) return () => 0;
  let first: number | null = null;
  let lead = 0;
  return () => {
    const skew = now() - Date.now();
    first ??= skew;
    lead = Math.max(lead, skew - first);
    return lead;
  };
}

/**
 * A rate-limiter-flexible limiter of `points` per `duration` seconds in the chosen store, for the few
 * callers that need the library's own operations (the log-in throttle peeks and adds penalties).
 */
export function storeLimiter(store: LimitStore, name: string, points: number, duration: number): RateLimiterAbstract {
  switch (store.kind) {
    case 'memory':
      return new RateLimiterMemory({ keyPrefix: name, points, duration });
    case 'redis':
      // `useRedisPackage`: the node-redis (v4+) command style. While Redis is away (`rejectIfRedisNotReady`
      // instead of queueing behind a dead connection) this process counts alone in memory, the library's
      // insurance limiter: an outage neither locks everyone out nor lifts the limits.
      return new RateLimiterRedis({
        storeClient: store.client,
        useRedisPackage: true,
        rejectIfRedisNotReady: true,
        keyPrefix: `collab:rl:${name}`,
        points,
        duration,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration }),
      });
  }
}

/** One window of `points` per `duration` seconds per key, counted in the chosen store. */
function windowed(name: string, points: number, duration: number, env: Required<LimitEnv>) {
  const rl = storeLimiter(env.store, name, points, duration);
  const lead = clockLead(env.now);
  const keyOf = (key: string) => {
    const moved = Math.floor(lead() / (duration * 1000));
    return moved ? `${key}~${moved}` : key;
  };
  return {
    /** Counts; null when allowed, else ms until the window has points again. */
    async consume(key: string, n: number): Promise<number | null> {
      try {
        await rl.consume(keyOf(key), n);
        return null;
      } catch (err) {
        if (err instanceof RateLimiterRes) return err.msBeforeNext;
        throw err;
      }
    },
    reward: async (key: string, n: number) => void (await rl.reward(keyOf(key), n)),
    reset: async (key: string) => void (await rl.delete(keyOf(key))),
  };
}

/** A limiter allowing `points` hits per `duration` seconds per key, plus an optional burst. */
export function createLimiter(opts: LimitOptions, env: LimitEnv = {}): Limiter {
  const full: Required<LimitEnv> = { store: env.store ?? { kind: 'memory' }, now: env.now ?? Date.now };
  const steady = windowed(opts.name, opts.points, opts.duration, full);
  // Like rate-limiter-flexible's BurstyRateLimiter: the burst window is drawn on only when the steady one is spent.
  const burst = opts.burst ? windowed(`${opts.name}:burst`, opts.burst.points, opts.burst.duration, full) : null;
  const { message = 'Too many requests.' } = opts;
  const say = typeof message === 'function' ? message : (s: number) => `${message} Please wait ${s} second${s === 1 ? '' : 's'} and try again.`;

  const hit = async (key: string, points = 1): Promise<Hit> => {
    const wait = await steady.consume(key, points);
    if (wait === null) return { allowed: true };
    const burstWait = burst ? await burst.consume(key, points) : null;
    if (burst && burstWait === null) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.min(wait, burstWait ?? wait) / 1000)) };
  };

  return {
    hit,
    consume: async (key, points) => (await hit(key, points)).allowed,
    async enforce(key, points) {
      const r = await hit(key, points);
      if (!r.allowed) throw rateLimited(say(r.retryAfterSeconds), { retryAfterSeconds: r.retryAfterSeconds });
    },
    reward: (key, points = 1) => steady.reward(key, points),
    async reset(key) {
      await Promise.all([steady.reset(key), burst?.reset(key)]);
    },
  };
}
