/** What the log-in pages offer on this server (GET /api/auth/options), asked once per page load. */
import type { AuthOptions } from '../../../shared/account-schemas';
import { api } from '../lib/api';

let pending: Promise<AuthOptions> | null = null;

/** The server's sign-in options; a failed request is retried on the next call. */
export function authOptions(): Promise<AuthOptions> {
  pending ??= api.get<AuthOptions>('/api/auth/options', { allowAnonymous: true }).catch((err) => {
    pending = null;
    throw err;
  });
  return pending;
}
