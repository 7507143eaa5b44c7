/**
 * The production server: `npm run build:server` bundles it into plain JavaScript that `node` runs with no
 * TypeScript loader. Built into a temp dir under the repository and started as a child process on port 0 (NODE_ENV=production),
 * it answers /healthz and the app page, writes a template and exports it (the editor schema's packages
 * load at runtime), and stops cleanly on SIGTERM. Every package the bundle imports is a runtime dependency.
 * Packages only rare paths or other configurations need (the editor schema and exports, ZIP, Redis,
 * MongoDB, mail, OpenID Connect) are not loaded at start: a resolve hook reports every package the
 * process loads, so the test sees what start costs (docs/BENCHMARKS.md, store bench).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, signupUser } from '../helpers/server';

const root = path.resolve(import.meta.dirname, '../..');
// Inside the repository (.tmp/ is ignored by git): the bundle resolves its packages from node_modules above it.
mkdirSync(path.join(root, '.tmp'), { recursive: true });
const work = mkdtempSync(path.join(root, '.tmp/compiled-'));
const outdir = path.join(work, 'server');
let clientDist = process.env.CLIENT_DIST_DIR ?? path.join(root, 'dist/client');
let proc: ChildProcess | undefined;
let url = '';
let output = '';

// Reports each package the server loads as a `loaded-package <name>` line on stderr.
const reportPackages = path.join(root, 'test/helpers/report-packages.mjs');
const loaded = () => new Set([...output.matchAll(/^loaded-package (\S+)$/gm)].map((m) => m[1]!));
/** Loaded only on first use or with their configuration (REDIS_URL, MONGODB_URI, SMTP_URL, OIDC_ISSUER). */
const LAZY = /^(@tiptap\/|prosemirror-|y-prosemirror$|yazl$|redis$|@redis\/|@socket\.io\/redis|mongodb$|nodemailer$|openid-client$)/;

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}

beforeAll(async () => {
  run(['scripts/build-server.mjs', '--outdir', outdir]);
  // The app page needs a client build; `npm test` makes one first. Run alone, build one into the temp dir.
  if (!existsSync(path.join(clientDist, 'index.html'))) {
    clientDist = path.join(work, 'client');
    run([path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { CLIENT_DIST_DIR: clientDist });
  }
  const { NODE_OPTIONS: _dropped, ...env } = process.env;
  proc = spawn(process.execPath, ['--import', reportPackages, path.join(outdir, 'index.js')], {
    cwd: work,
    env: { ...env, NODE_ENV: 'production', SESSION_SECRET: 'a'.repeat(48), DATA_DIR: path.join(work, 'data'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', CLIENT_DIST_DIR: clientDist },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`compiled server did not start:\n${output}`)), 20_000);
    proc!.stdout!.on('data', (c: Buffer) => {
      output += c.toString();
      const m = /"port":(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc!.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    proc!.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`compiled server exited with ${code}:\n${output}`));
    });
  });
  url = `http://127.0.0.1:${port}`;
}, 180_000);

afterAll(() => {
  if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

describe('the compiled server', () => {
  it('answers /healthz and serves the app page, also on a client-side route', async () => {
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    for (const page of ['/', '/spaces']) {
      const res = await fetch(url + page);
      expect(res.status, page).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toMatch(/^<!doctype html>/i);
    }
  });

  it('does not load the packages of rare paths and other configurations at start', () => {
    expect(loaded(), output).toContain('express');
    expect([...loaded()].filter((p) => LAZY.test(p))).toEqual([]);
  });

  it('writes a template and exports it with the editor schema', async () => {
    const { client } = await signupUser(url, 'Compiled');
    const space = await client.post('/api/spaces', { name: 'Compiled PLC', kind: 'plc' });
    expect(space.status, JSON.stringify(space.body)).toBe(201);
    const doc = await client.post(`/api/spaces/${space.body.space.id}/docs`, { title: 'Notes', template: 'meeting-notes' });
    expect(doc.status, JSON.stringify(doc.body)).toBe(201);
    const md = await client.get(`/api/docs/${doc.body.doc.id}/export?format=markdown`);
    expect(md.status).toBe(200);
    expect(md.body).toContain('## Norms\n\n- Start and end on time');
    expect(md.body).toContain('- [ ] ');
    const html = await client.get(`/api/docs/${doc.body.doc.id}/export?format=html`);
    expect(html.status).toBe(200);
    expect(html.body).toContain('<li class="task-item"><input type="checkbox" disabled aria-label="To do">');
    expect((await new ApiClient(url).get(`/api/docs/${doc.body.doc.id}/export?format=markdown`)).status).toBe(401);
    // The rich-content code loaded on first use, from chunks of the bundle.
    expect(loaded()).toContain('@tiptap/starter-kit');
    expect(loaded()).toContain('prosemirror-markdown');
  });

  it('imports only runtime dependencies and Node built-ins, never a TypeScript loader', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const imported = new Set<string>();
    for (const file of readdirSync(outdir).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(path.join(outdir, file), 'utf8');
      // Static imports and re-exports, side-effect imports, dynamic imports.
      const specifiers = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;
      for (const m of code.matchAll(specifiers)) imported.add((m[1] ?? m[2] ?? m[3])!);
    }
    const packages = [...imported]
      .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtins.has(s))
      .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
    expect(packages.length).toBeGreaterThan(5);
    for (const name of new Set(packages)) expect(pkg.dependencies, `${name} is imported by the server at runtime`).toHaveProperty([name]);
    expect(packages).not.toContain('tsx');
    expect([...imported].filter((s) => /\.tsx?$/.test(s))).toEqual([]);
  });

  it('stops cleanly on SIGTERM', async () => {
    const code = await new Promise<number | null>((resolve) => {
      proc!.once('exit', (c) => resolve(c));
      proc!.kill('SIGTERM');
    });
    expect(code, output).toBe(0);
    expect(output).toContain('"msg":"bye"');
  });
});
