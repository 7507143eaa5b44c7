/**
 * Honest health: /healthz writes and reads back a record, so it answers 503 when the data directory stops
 * taking writes, and 200 again once it does. The tests run as root, where chmod stops nothing, so the
 * refusals are made real another way:
 * - read-only: `chattr +i` (immutable) on the database file, its write-ahead log and the directory; every
 *   write to them then fails with EPERM, for root too. (Not on the `-shm` index: SQLite maps it into
 *   memory, and an immutable mapped file kills the process with SIGBUS instead of failing a write.)
 * - full disk: DATA_DIR on a 2 MB tmpfs mount, then filled up with a file.
 * Each is skipped, saying why, where the machine does not allow it (no chattr / no mount permission).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawnServer, tempDir, type ChildServer } from '../helpers/server';

let child: ChildServer | null = null;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await child?.kill('SIGKILL');
  child = null;
});
afterAll(() => {
  for (const c of cleanups.reverse()) c();
});

const health = async (url: string) => {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as { status?: string; error?: { code: string } } };
};
const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'pipe' }).status === 0;

/** Whether `chattr +i` works here (needs CAP_LINUX_IMMUTABLE and a filesystem that supports it). */
function chattrWorks(): boolean {
  const d = tempDir('chattr-probe-');
  const f = path.join(d, 'probe');
  execFileSync('touch', [f]);
  const ok = run('chattr', ['+i', f]);
  if (ok) run('chattr', ['-i', f]);
  rmSync(d, { recursive: true, force: true });
  return ok;
}
/** A fresh tmpfs of `size` mounted on a temp dir, or null when mounting is not allowed here. */
function tmpfs(size: string): string | null {
  const d = mkdtempSync(path.join(tmpdir(), 'collab-tmpfs-'));
  if (!run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', d])) {
    rmSync(d, { recursive: true, force: true });
    return null;
  }
  cleanups.push(() => {
    run('umount', ['-l', d]);
    rmSync(d, { recursive: true, force: true });
  });
  return d;
}

const CHATTR = chattrWorks();
if (!CHATTR) console.warn('[store-healthz] read-only test skipped: `chattr +i` is not available or not permitted here (it needs root with CAP_LINUX_IMMUTABLE on ext4/xfs/btrfs).');
const FULL = tmpfs('2m');
if (!FULL) console.warn('[store-healthz] full-disk test skipped: mounting a tmpfs is not permitted here (it needs root with CAP_SYS_ADMIN).');

describe('/healthz performs a real write', () => {
  it.skipIf(!CHATTR)('answers 503 while the data directory is read-only, 200 again after', async () => {
    const dir = tempDir('collab-health-ro-');
    const targets = [path.join(dir, 'collaboratory.sqlite'), path.join(dir, 'collaboratory.sqlite-wal'), dir];
    cleanups.push(() => {
      run('chattr', ['-i', ...targets]);
      rmSync(dir, { recursive: true, force: true });
    });
    child = await spawnServer({ DATA_DIR: dir, MONGODB_URI: '' });
    expect(await health(child.url)).toEqual({ status: 200, body: { status: 'ok', store: 'embedded' } });

    execFileSync('chattr', ['+i', ...targets]);
    const refused = await health(child.url);
    expect(refused.status).toBe(503);
    expect(refused.body.error!.code).toBe('unavailable');
    // The log line is written asynchronously by the child: wait for it rather than race it.
    await expect.poll(() => child!.output(), { timeout: 5_000 }).toMatch(/health check failed/);

    execFileSync('chattr', ['-i', ...targets]);
    expect((await health(child.url)).status).toBe(200);
  });

  it.skipIf(!FULL)('answers 503 while the disk is full, 200 again once there is room', async () => {
    const dir = path.join(FULL!, 'data');
    child = await spawnServer({ DATA_DIR: dir, MONGODB_URI: '' });
    expect((await health(child.url)).status).toBe(200);

    const filler = path.join(FULL!, 'filler');
    spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' }); // stops at "no space left"
    const refused = await health(child.url);
    expect(refused.status).toBe(503);
    expect(refused.body.error!.code).toBe('unavailable');

    rmSync(filler);
    expect((await health(child.url)).status).toBe(200);
  });
});
