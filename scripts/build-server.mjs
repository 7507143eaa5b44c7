#!/usr/bin/env node
// Usage: npm run build:server [-- --outdir DIR]   (`npm run build` and `npm start` run it after the client)
// Bundles server/index.ts and everything it imports from server/ and shared/ into plain ES modules under
// dist/server/, so production runs `node dist/server/index.js` with no TypeScript loader in the process.
// Packages from node_modules stay external imports (better-sqlite3 is native; mongodb has optional
// native add-ons), which is why everything the server imports at runtime is in "dependencies".
// Code split at dynamic imports, so a module the running configuration never loads is never read.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
// Elsewhere than dist/server (tests build into a temp dir), set CLIENT_DIST_DIR when running it: the
// server finds the client relative to its own file otherwise.
const { values } = parseArgs({ options: { outdir: { type: 'string', default: path.join(root, 'dist/server') } } });
const outdir = path.resolve(values.outdir);

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['server/index.ts'],
  outdir,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
