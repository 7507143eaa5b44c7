/**
 * createApp(deps) builds the whole application (Express, Socket.IO, the collab endpoint) on one HTTP
 * server and never listens; server/index.ts does. Tests call it with a store and listen on port 0.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { createSessionManager } from './auth/sessions';
import { createMailer } from './mail/mailer';
import { createBus } from './bus';
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
import { createIo, type IoServer } from './realtime/io';
import { createRepos, INDEXES } from './repos';
import type { Store } from './store/port';
import { forbidden } from './errors';
import { FEATURES } from './features';
import type { Feature, FeatureRuntime } from './feature';

export interface AppDeps {
  config: Config;
  store: Store;
  logger: Logger;
  now?: () => number;
  rateLimits?: Partial<RateLimits>;
  /** How often sockets of expired sessions are closed (default 30 s). */
  sessionSweepMs?: number;
  /** Defaults to every feature in server/features.ts. */
  features?: Feature[];
}

export interface App {
  ctx: Ctx;
  express: Express;
  server: HttpServer;
  io: IoServer;
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
  const bus = createBus((err) => logger.error({ err }, 'bus listener failed'));
  const now = deps.now ?? Date.now;
  const sessions = createSessionManager({ repos, secret: config.sessionSecret, ttlMs: config.sessionTtlMs, bus, now });
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, logger });
  const ctx: Ctx = { config, store, repos, logger, bus, sessions, mailer, now, services: {} };
  const limits = defaultRateLimits(deps.rateLimits);

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

  app.get('/healthz', async (_req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ok', store: store.kind });
    } catch (err) {
      logger.error({ err }, 'health check failed');
      res.status(503).json({ error: { code: 'unavailable', message: 'The store is not reachable.' } });
    }
  });

  const api = express.Router();
  api.use((req, _res, next) => {
    if (STATE_CHANGING.has(req.method) && !originAllowed(req, config.allowedOrigins)) {
      return next(forbidden('This request came from a site that is not allowed to act on your behalf.'));
    }
    next();
  });
  api.use(requireJsonBody);
  api.use(express.json({ limit: '100kb', strict: true }));
  api.use(async (req, _res, next) => {
    req.session = await sessions.fromCookieHeader(req.headers.cookie);
    if (req.session && STATE_CHANGING.has(req.method)) await limits.writesPerUser.consume(req.session.user._id);
    next();
  });
  api.use(authRoutes(ctx, limits));
  api.use(spaceRoutes(ctx));
  const instances = features.map((f) => f.create(ctx));
  for (const f of instances) if (f.routes) api.use(f.routes());
  api.use((_req, _res, next) => next(notFound('That API endpoint')));
  app.use('/api', api);

  app.use(clientRoutes());
  app.use((_req, _res, next) => next(notFound('That page')));
  app.use(errorMiddleware(logger));

  const server = createServer(app);
  const io = createIo(server, ctx);

  io.on('connection', (socket) => {
    for (const f of instances) f.socket?.(socket);
  });
  const runtimes: FeatureRuntime[] = [];
  for (const f of instances) if (f.attach) runtimes.push(await f.attach(server, io));
  // A session that expires while its sockets are open is revoked like a logout: they close.
  const sweep = setInterval(() => sessions.sweep(), deps.sessionSweepMs ?? 30_000);
  sweep.unref();

  return {
    ctx,
    express: app,
    server,
    io,
    async close() {
      // Stop accepting first; then end the live connections and let each feature flush (its WebSockets
      // would otherwise keep http.Server#close waiting); then close Socket.IO and whatever is left.
      clearInterval(sweep);
      if (server.listening) server.close();
      io.disconnectSockets(true);
      for (const r of runtimes) await r.close?.();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      server.closeAllConnections();
      await mailer.close();
    },
  };
}
