/** Rate limiting over rate-limiter-flexible, turned into the contract's `rate_limited` error. */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { rateLimited } from '../errors';

export interface Limiter {
  /** Counts one hit for `key`; throws `rate_limited` (with retryAfterSeconds) past the limit. */
  consume(key: string, points?: number): Promise<void>;
  /** Counts without throwing; true when still within the limit. */
  tryConsume(key: string): Promise<boolean>;
  /** Gives back one point counted by `consume` (the hit turned out not to count). */
  refund(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

/** A limiter allowing `points` hits per `seconds` per key. */
export function createLimiter(points: number, seconds: number, message?: string): Limiter {
  const rl = new RateLimiterMemory({ points, duration: seconds });
  const refuse = (msBeforeNext: number) => {
    const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    return rateLimited(message ?? `Too many requests. Please wait ${retryAfterSeconds} seconds and try again.`, { retryAfterSeconds });
  };
  return {
    async consume(key, n = 1) {
      try {
        await rl.consume(key, n);
      } catch (err) {
        if (err instanceof RateLimiterRes) throw refuse(err.msBeforeNext);
        throw err;
      }
    },
    async tryConsume(key) {
      try {
        await rl.consume(key);
        return true;
      } catch (err) {
        if (err instanceof RateLimiterRes) return false;
        throw err;
      }
    },
    async refund(key) {
      await rl.reward(key, 1);
    },
    async reset(key) {
      await rl.delete(key);
    },
  };
}

export interface RateLimits {
  loginPerIp: Limiter;
  loginFailuresPerAccount: Limiter;
  signupPerIp: Limiter;
  writesPerUser: Limiter;
}

/** Default limits, generous per IP because a whole school often shares one address. */
export function defaultRateLimits(overrides: Partial<RateLimits> = {}): RateLimits {
  return {
    loginPerIp: createLimiter(300, 15 * 60, 'Too many log-in attempts from your network. Please wait a few minutes and try again.'),
    loginFailuresPerAccount: createLimiter(10, 15 * 60, 'Too many failed log-in attempts for this account. Please wait 15 minutes and try again.'),
    signupPerIp: createLimiter(200, 60 * 60),
    writesPerUser: createLimiter(600, 60),
    ...overrides,
  };
}
