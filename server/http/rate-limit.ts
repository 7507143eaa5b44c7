/** The HTTP limits (log-in, sign-up, writes), counted by the app's one limiter (server/limits.ts). */
import { createLimiter as createCoreLimiter, type LimitStore } from '../limits';

export interface Limiter {
  /** Counts one hit for `key`; throws `rate_limited` (with retryAfterSeconds) past the limit. */
  consume(key: string, points?: number): Promise<void>;
  /** Counts without throwing; true when still within the limit. */
  tryConsume(key: string): Promise<boolean>;
  /** Gives back one point counted by `consume` (the hit turned out not to count). */
  refund(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

let seq = 0;

/**
 * A limiter allowing `points` hits per `seconds` per key; `message` (verbatim) is what a refused caller
 * reads. `name` keys its counters in a shared store (stable names for the app's own limits).
 */
export function createLimiter(points: number, seconds: number, message?: string, where: { name?: string; store?: LimitStore } = {}): Limiter {
  const rl = createCoreLimiter(
    {
      name: where.name ?? `http-${++seq}`,
      points,
      duration: seconds,
      message: (s) => message ?? `Too many requests. Please wait ${s} seconds and try again.`,
    },
    { store: where.store },
  );
  return {
    consume: (key, n) => rl.enforce(key, n),
    tryConsume: (key) => rl.consume(key),
    refund: (key) => rl.reward(key, 1),
    reset: (key) => rl.reset(key),
  };
}

export interface RateLimits {
  loginPerIp: Limiter;
  loginFailuresPerAccount: Limiter;
  signupPerIp: Limiter;
  writesPerUser: Limiter;
}

/** Default limits, generous per IP because a whole school often shares one address. */
export function defaultRateLimits(overrides: Partial<RateLimits> = {}, store?: LimitStore): RateLimits {
  return {
    loginPerIp: createLimiter(300, 15 * 60, 'Too many log-in attempts from your network. Please wait a few minutes and try again.', { name: 'login-ip', store }),
    loginFailuresPerAccount: createLimiter(10, 15 * 60, 'Too many failed log-in attempts for this account. Please wait 15 minutes and try again.', {
      name: 'login-failures',
      store,
    }),
    signupPerIp: createLimiter(200, 60 * 60, undefined, { name: 'signup-ip', store }),
    writesPerUser: createLimiter(600, 60, undefined, { name: 'writes-user', store }),
    ...overrides,
  };
}
