/**
 * Password-guessing throttle that never hands a stranger the power to lock an account's owner out.
 *
 * Two counters, both of wrong passwords only:
 * - per address + account: an address gets `perAddress` wrong guesses at one account per window, then that
 *   address (and only it) is refused for that account until the window ends;
 * - per account, across every address: once an account has had `underAttackAfter` failures in a window, it
 *   is "under attack" and each address gets ONE attempt at it per window instead of `perAddress`. A
 *   correct password from an address that has not failed yet still gets in, so a botnet cannot lock the
 *   owner out, but each of its addresses only gets a single guess.
 * Attempts are counted BEFORE the password is checked, so concurrent guesses cannot slip past the limit
 * while the first ones are still hashing.
 */
import { RateLimiterRes } from 'rate-limiter-flexible';
import { rateLimited } from '../errors';
import { storeLimiter, type LimitStore } from '../limits';

export interface LoginThrottleOptions {
  /** Wrong guesses per address per account per window (default 10). */
  perAddress?: number;
  /** Failures per account, all addresses together, after which each address gets one attempt (default 30). */
  underAttackAfter?: number;
  /** Window in seconds (default 15 minutes). */
  windowSeconds?: number;
}

/** One attempt in progress: call `failed()` on a wrong password, `succeeded()` on a right one, `cancel()` otherwise. */
export interface LoginAttempt {
  failed(): Promise<void>;
  succeeded(): Promise<void>;
  cancel(): Promise<void>;
}

export interface LoginThrottle {
  /** Reserves an attempt for `address` at `account`; throws `rate_limited` when that address may not try now. */
  begin(address: string, account: string): Promise<LoginAttempt>;
}

/** Builds the throttle on the limit store chosen at boot (memory, or Redis so every process counts together). */
export function createLoginThrottle(opts: LoginThrottleOptions = {}, store: LimitStore = { kind: 'memory' }): LoginThrottle {
  const perAddress = opts.perAddress ?? 10;
  const underAttackAfter = opts.underAttackAfter ?? 30;
  const duration = opts.windowSeconds ?? 15 * 60;
  const byAddress = storeLimiter(store, 'login-guess-address', perAddress, duration);
  const byAccount = storeLimiter(store, 'login-guess-account', underAttackAfter, duration);

  const refuse = (ms: number) => {
    const retryAfterSeconds = Math.max(1, Math.ceil(ms / 1000));
    return rateLimited('Too many failed log-in attempts for this account from your network. Please wait a while and try again, or reset your password.', {
      retryAfterSeconds,
    });
  };

  return {
    async begin(address, account) {
      const key = `${address}|${account}`;
      const attacked = ((await byAccount.get(account))?.consumedPoints ?? 0) >= underAttackAfter;
      // Under attack an attempt takes the address's whole allowance: a clean address gets exactly one try,
      // an address that has failed before gets none (atomic, so parallel requests cannot share one try).
      const cost = attacked ? perAddress : 1;
      try {
        await byAddress.consume(key, cost);
      } catch (err) {
        if (err instanceof RateLimiterRes) throw refuse(err.msBeforeNext);
        throw err;
      }
      return {
        async failed() {
          // Only the account-wide count is added here; the address already paid in `begin`.
          await byAccount.penalty(account, 1);
        },
        async succeeded() {
          await byAddress.delete(key);
        },
        async cancel() {
          await byAddress.reward(key, cost);
        },
      };
    },
  };
}
