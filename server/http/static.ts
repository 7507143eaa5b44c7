/** Serves the built Svelte client and falls back to index.html for client-side routes. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

/** The built client: `dist/client`, or CLIENT_DIST_DIR when set (the build honours the same variable). */
export const CLIENT_DIST = process.env.CLIENT_DIST_DIR ? path.resolve(process.env.CLIENT_DIST_DIR) : path.resolve(import.meta.dirname, '../../dist/client');

/** Static files with long caching for hashed assets, and the SPA shell for every other GET. */
export function clientRoutes(distDir = CLIENT_DIST): Router {
  const r = Router();
  const index = path.join(distDir, 'index.html');
  r.use('/assets', express.static(path.join(distDir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: true }));
  r.use(express.static(distDir, { index: false, maxAge: '1h' }));
  r.get('/{*splat}', (req, res, next) => {
    if (req.path.startsWith('/api/') || req.path.startsWith('/assets/')) return next();
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The client is not built yet. Run `npm run build` (npm start does this for you).');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return r;
}
