/**
 * Waiting for what the server does after it answered (notifications, audit entries, socket events): poll
 * until it is there, bounded, instead of a fixed sleep that a slow, loaded CI machine outruns.
 */

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when `pred()` holds (it may be async), polling every 10 ms; rejects after `timeoutMs` with `what`. */
export async function waitFor(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await pause(10);
  }
}

/**
 * Reads `read()` until `ready(value)` holds, and returns that value; after `timeoutMs` returns the last
 * value read, so the test's own assertion reports what was there instead of a bare timeout.
 */
export async function eventually<T>(read: () => Promise<T> | T, ready: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (ready(value) || Date.now() - start > timeoutMs) return value;
    await pause(25);
  }
}
