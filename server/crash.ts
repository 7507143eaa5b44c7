/**
 * Crash points for the crash tests of multi-step writes. A multi-step write names the gaps between its
 * steps (`crashPoint('space.create:after-space')`); a test starts a real server process with
 * `COLLAB_CRASH_AT=<name>`, and the process SIGKILLs itself when it reaches that gap: exactly the crash
 * the write must survive (the repair at the next start must leave nothing half-made visible). Without the
 * variable a crash point costs one comparison; it is never set in production.
 */
const at = process.env.COLLAB_CRASH_AT ?? '';

/** SIGKILLs this process here when COLLAB_CRASH_AT names this point (tests only). */
export function crashPoint(name: string): void {
  if (at && at === name) process.kill(process.pid, 'SIGKILL');
}
