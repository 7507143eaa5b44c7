/**
 * Boot: parse config, open the store (and Redis when REDIS_URL is set), build the app, listen; on
 * SIGTERM/SIGINT drain: stop accepting, close the connections (clients reconnect to another process),
 * flush, release this process's leases, close the store and Redis, exit 0.
 */
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { openStore } from './store/open';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const store = await openStore(config, logger);
  // The redis client loads only when REDIS_URL is set: a single process does not pay its memory.
  const cluster = config.redisUrl ? await (await import('./cluster/redis')).openCluster(config.redisUrl, logger) : undefined;
  const app = await createApp({ config, store, logger, ...(cluster ? { cluster } : {}) });

  await new Promise<void>((resolve, reject) => {
    app.server.once('error', reject);
    app.server.listen(config.port, config.host, () => resolve());
  });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  logger.info({ port, store: store.kind, redis: Boolean(cluster), dataDir: store.kind === 'embedded' ? config.dataDir : undefined }, `Collaboratory listening on http://localhost:${port}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    try {
      await app.close();
      await store.close();
      await cluster?.close();
      logger.info('bye');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`Collaboratory failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
