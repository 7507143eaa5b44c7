/**
 * A token bucket per key: `burst` sends at once, then `perSecond` more each second. Time comes from the
 * injected clock so tests can move it. Buckets that have refilled are forgotten, keeping memory bounded.
 */
import { rateLimited } from '../errors';

export interface TokenBucketOptions {
  burst: number;
  perSecond: number;
}

export interface TokenBuckets {
  /** Takes one token for `key` or throws `rate_limited` with `retryAfterSeconds`. */
  take(key: string): void;
  /** Takes one token when available; false otherwise (for silent throttling). */
  tryTake(key: string): boolean;
}

/** Creates the buckets; `message` is what the user reads when refused. */
export function createTokenBuckets(opts: TokenBucketOptions, now: () => number, message: string): TokenBuckets {
  const buckets = new Map<string, { tokens: number; at: number }>();
  let sweptAt = now();

  function refill(key: string) {
    const t = now();
    if (t - sweptAt > 60_000) {
      sweptAt = t;
      for (const [k, b] of buckets) if (b.tokens + ((t - b.at) / 1000) * opts.perSecond >= opts.burst) buckets.delete(k);
    }
    const b = buckets.get(key) ?? { tokens: opts.burst, at: t };
    b.tokens = Math.min(opts.burst, b.tokens + ((t - b.at) / 1000) * opts.perSecond);
    b.at = t;
    buckets.set(key, b);
    return b;
  }

  return {
    take(key) {
      const b = refill(key);
      if (b.tokens < 1) {
        const retryAfterSeconds = Math.max(1, Math.ceil((1 - b.tokens) / opts.perSecond));
        throw rateLimited(`${message} Please wait ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`, { retryAfterSeconds });
      }
      b.tokens -= 1;
    },
    tryTake(key) {
      const b = refill(key);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
  };
}
