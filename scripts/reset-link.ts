/**
 * Prints a password-reset link for an account, for an operator to hand over when email is off.
 * The link works once, for one hour, and setting the new password ends every login of that account.
 *
 * Usage:
 *   npm run reset-link -- teacher@school.org
 *
 * It reads the same environment as the server (DATA_DIR or MONGODB_URI, PUBLIC_URL for the link's
 * address). The embedded store belongs to one process at a time: with it, stop the server first (or use
 * the Administration page while it runs). With MongoDB it can run at any time.
 */
import { createResetLink } from '../server/auth/reset-tokens';
import { ConfigError, loadConfig } from '../server/config';
import type { Ctx } from '../server/context';
import { createRepos } from '../server/repos';
import { openStore } from '../server/store/open';

async function main(): Promise<number> {
  const email = process.argv[2]?.trim().toLowerCase();
  if (!email || process.argv.length > 3) {
    process.stderr.write('Usage: npm run reset-link -- <email>\n');
    return 2;
  }
  const config = loadConfig();
  const store = await openStore(config);
  try {
    const repos = createRepos(store);
    const user = await repos.users.byEmail(email);
    if (!user) {
      process.stderr.write(`No account has the email ${email}.\n`);
      return 1;
    }
    // createResetLink needs only the store, the clock and the public address.
    const ctx = { config, store, now: Date.now } as Pick<Ctx, 'config' | 'store' | 'now'> as Ctx;
    const link = await createResetLink(ctx, user._id);
    process.stdout.write(`Password-reset link for ${user.name} <${user.email}> (works once, for one hour):\n${link}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
