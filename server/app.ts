/**
 * createApp(deps) builds the whole application (Express, the realtime layer, the features) on one HTTP
 * server and never listens; server/index.ts does. Tests call it with a store and listen on port 0.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { createLoginManager } from './auth/logins';
import { repairSpaceWrites } from './commands/atomic';
import { createMailer } from './mail/mailer';
import { createBus } from './bus';
import { relayBus } from './cluster/bus';
import { clusterGate, soloGate } from './cluster/lease';
import type { Cluster } from './cluster/redis';
import type { Config } from './config';
import type { Ctx } from './context';
import { notFound } from './errors';
import { authRoutes } from './http/auth';
import { errorMiddleware } from './http/errors';
import { requireJsonBody } from './http/kit';
import { originAllowed } from './http/origin';
import { defaultRateLimits, type RateLimits } from './http/rate-limit';
import { spaceRoutes } from './http/spaces';
import { clientRoutes } from './http/static';
import type { Logger } from './logger';
import { limiterFactory, type LimitStore } from './limits';
import { createRealtime } from './realtime';
import { createRepos, INDEXES } from './repos';
import { storeHealthCheck } from './store/health';
import type { Store } from './store/port';
import { forbidden } from './errors';
import { FEATURES } from './features';
import type { Feature, FeatureRuntime, PeerPorts } from './feature';
import { guardUpgrades } from './upgrades';
import { createLoginThrottle } from './auth/throttle';
import { YJS_PATH } from '../shared/collab';

export interface AppDeps {
  config: Config;
  store: Store;
  logger: Logger;
  now?: () => number;
  rateLimits?: Partial<RateLimits>;
  /** Where rate-limit counters live (default: this process's memory). */
  limitStore?: LimitStore;
  /** How often sockets of expired sessions are closed (default 30 s). */
  sessionSweepMs?: number;
  /** Defaults to every feature in server/features.ts. */
  features?: Feature[];
  /** The Redis connections when REDIS_URL is set (server/cluster): sockets, bus, limits and jobs span every process. */
  cluster?: Cluster;
}

export interface App {
  ctx: Ctx;
  express: Express;
  server: HttpServer;
  /** Stops accepting, closes sockets, flushes pending writes. Does not close the store (the owner does). */
  close(): Promise<void>;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Builds the app around injected dependencies. */
export async function createApp(deps: AppDeps): Promise<App> {
  const { config, store, logger } = deps;
  const features = deps.features ?? FEATURES;
  await store.ensureIndexes([...INDEXES, ...features.flatMap((f) => f.indexes ?? [])]);
  const repos = createRepos(store);
  const { cluster } = deps;
  const localBus = createBus((err) => logger.error({ err }, 'bus listener failed'));
  const relay = cluster ? await relayBus(localBus, cluster, logger) : null;
  const bus = relay?.bus ?? localBus;
  const now = deps.now ?? Date.now;
  const logins = createLoginManager({ repos, secret: config.sessionSecret, ttlMs: config.sessionTtlMs, bus, now });
  // Rate-limit counters live in the store chosen here, at boot (Redis in a cluster), for every limiter.
  const limitStore: LimitStore = deps.limitStore ?? (cluster ? { kind: 'redis', client: cluster.client } : { kind: 'memory' });
  const limiter = limiterFactory({ store: limitStore, now });
  const jobs = cluster ? clusterGate(cluster, (err) => logger.warn({ err }, 'job lease unavailable')) : soloGate;
  // Loaded only with a cluster: it brings the redis client (server/index.ts opens it the same way).
  const collabRelay = cluster ? await (await import('./cluster/doc-relay')).createRedisDocRelay(cluster, logger) : undefined;
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, logger });
  const ctx: Ctx = { config, store, repos, logger, bus, logins, mailer, now, limiter, jobs, ...(collabRelay ? { collabRelay } : {}) };
  const limits = defaultRateLimits(deps.rateLimits, limitStore);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false);

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:', 'blob:'],
          'connect-src': ["'self'", 'ws:', 'wss:'],
          'font-src': ["'self'", 'data:'],
          'object-src': ["'none'"],
          'frame-ancestors': ["'none'"],
          'base-uri': ["'self'"],
          'form-action': ["'self'"],
          'upgrade-insecure-requests': null,
        },
      },
      crossOriginEmbedderPolicy: false,
      strictTransportSecurity: config.env === 'production',
    }),
  );

  const httpLog = logger.child({ cat: 'http' });
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      httpLog.info({ method: req.method, url: req.originalUrl.split('?')[0], status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  });

  // Healthy means the store takes a write and gives it back, not merely that it answers.
  const storeHealthy = storeHealthCheck(store);
  app.get('/healthz', async (_req, res) => {
    // A process that lost Redis cannot reach the other processes' users: the balancer should skip it.
    if (cluster && !cluster.healthy()) {
      return void res.status(503).json({ error: { code: 'unavailable', message: 'Redis is not reachable.' } });
    }
    try {
      await storeHealthy();
      res.json({ status: 'ok', store: store.kind, ...(cluster ? { redis: 'ok' } : {}) });
    } catch (err) {
      logger.error({ err }, 'health check failed');
      res.status(503).json({ error: { code: 'unavailable', message: 'The store does not accept writes.' } });
    }
  });

  const api = express.Router();
  api.use((req, _res, next) => {
    if (STATE_CHANGING.has(req.method) && !originAllowed(req, config.allowedOrigins)) {
      return next(forbidden('This request came from a site that is not allowed to act on your behalf.'));
    }
    next();
  });
  // Filled with the features' form routes once they exist; mounted here, before the JSON-only rule.
  const formRoutes = express.Router();
  api.use(formRoutes);
  api.use(requireJsonBody);
  api.use(express.json({ limit: '100kb', strict: true }));
  api.use(async (req, _res, next) => {
    req.login = await logins.fromCookieHeader(req.headers.cookie);
    if (req.login && STATE_CHANGING.has(req.method)) await limits.writesPerUser.consume(req.login.user._id);
    next();
  });
  api.use(authRoutes(ctx, limits, createLoginThrottle({}, limitStore)));
  api.use(spaceRoutes(ctx));

  // The HTTP server exists before the features so the realtime port can be handed to them at creation.
  const server = createServer(app);
  const realtime = createRealtime(server, ctx, cluster);
  // Every upgrade gets an answer: 404 off the claimed paths, 503 when a claimed one stalls (upgrades.ts).
  guardUpgrades(server, { claimed: ['/socket.io/', YJS_PATH] });
  // Each feature receives the ports of the features created before it (docs first: sessions and chat use it).
  const peers: PeerPorts = {};
  const instances = features.map((f) => {
    const instance = f.create(ctx, { realtime: realtime.port, ...peers });
    Object.assign(peers, instance.provides);
    return instance;
  });
  // Half-made multi-step writes from a crash are finished or undone before anything is served.
  await repairSpaceWrites(ctx);
  for (const f of instances) await f.repair?.();
  for (const f of instances) if (f.formRoutes) formRoutes.use(f.formRoutes());
  for (const f of instances) if (f.routes) api.use(f.routes());
  api.use((_req, _res, next) => next(notFound('That API endpoint')));
  app.use('/api', api);

  app.use(clientRoutes());
  app.use((_req, _res, next) => next(notFound('That page')));
  app.use(errorMiddleware(logger));

  for (const f of instances) if (f.events) realtime.use(f.events);
  const runtimes: FeatureRuntime[] = [];
  for (const f of instances) if (f.attach) runtimes.push(await f.attach(server));
  // A session that expires while its sockets are open is revoked like a logout: they close.
  const sweep = setInterval(() => logins.sweep(), deps.sessionSweepMs ?? 30_000);
  sweep.unref();

  return {
    ctx,
    express: app,
    server,
    async close() {
      // Stop accepting first; then end the live connections and let each feature flush (its WebSockets
      // would otherwise keep http.Server#close waiting); then close Socket.IO and whatever is left.
      clearInterval(sweep);
      if (server.listening) server.close();
      realtime.disconnectAll();
      for (const r of runtimes) await r.close?.();
      for (const f of instances) await f.close?.();
      await realtime.close();
      await relay?.stop();
      await collabRelay?.close();
      await jobs.releaseAll();
      server.closeAllConnections();
      await mailer.close();
    },
  };
}
