/** The dependencies every command, route and socket handler receives. */
import type { Config } from './config';
import type { Logger } from './logger';
import type { Repos } from './repos';
import type { Store } from './store/port';
import type { Bus } from './bus';
import type { LoginManager } from './auth/logins';
import type { LimiterFactory } from './limits';
import type { Mailer } from './mail/mailer';
import type { JobGate } from './cluster/lease';
import type { DocRelay } from './collab/relay';

export interface Ctx {
  config: Config;
  store: Store;
  repos: Repos;
  logger: Logger;
  bus: Bus;
  logins: LoginManager;
  /** Outgoing mail (queued in the background; a no-op when SMTP_URL is unset). */
  mailer: Mailer;
  now: () => number;
  /** Makes rate limiters on the store chosen at boot (server/limits.ts). */
  limiter: LimiterFactory;
  /** Whether this process runs a periodic job's tick (once per cluster with REDIS_URL; always alone). */
  jobs: JobGate;
  /** Runs each document across processes with REDIS_URL (server/cluster/doc-relay.ts); absent alone. */
  collabRelay?: DocRelay;
}
