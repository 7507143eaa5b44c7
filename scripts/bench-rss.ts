/**
 * Idle memory of the production server: the resident set (RSS) of the whole server process tree, read
 * from /proc (Linux), once it answers /healthz and has idled.
 *
 * Usage:
 *   npm run bench -- rss [--idle 10] [--runs 3] [--tsx]
 *   --tsx also measures the pre-compiled way (`tsx server/index.ts`: the tsx CLI and its loader child).
 *
 * Method. Builds the server (scripts/build-server.mjs into dist/server), then per run starts
 * `node dist/server/index.js` in its own process group with a fresh temp DATA_DIR (embedded store, no
 * data), NODE_ENV=production, PORT=0; waits for /healthz to answer 200, loads the app page once, idles
 * `--idle` seconds, then sums VmRSS over the started process and all its descendants. `npm start` adds its
 * own npm process (~55 MB) above this tree; a process manager running `node dist/server/index.js` does not.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { idle: { type: 'string', default: '10' }, runs: { type: 'string', default: '3' }, tsx: { type: 'boolean', default: false } } });
const idleMs = Number(values.idle) * 1000;

/** The pids of `pid` and every descendant, from /proc/<pid>/task/<tid>/children. */
function tree(pid: number): number[] {
  let kids: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      kids = kids.concat(readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number));
    }
  } catch {
    return [];
  }
  return [pid, ...kids.flatMap(tree)];
}

/** VmRSS of one process in MB (0 when it is gone). */
function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function measure(label: string, cmd: string[]): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'collab-rss-'));
  const child = spawn(cmd[0]!, cmd.slice(1), {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'production', SESSION_SECRET: 'r'.repeat(48), DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' },
  });
  try {
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label} did not start:\n${out}`)), 60_000);
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /"port":(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    const base = `http://127.0.0.1:${port}`;
    if ((await fetch(`${base}/healthz`)).status !== 200) throw new Error(`${label}: /healthz did not answer 200`);
    await (await fetch(`${base}/`)).text();
    await new Promise((r) => setTimeout(r, idleMs));
    const parts = tree(child.pid!).map((pid) => ({ pid, name: readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), mb: rssMb(pid) }));
    const total = parts.reduce((s, p) => s + p.mb, 0);
    process.stdout.write(`${label}: ${total.toFixed(1)} MB  (${parts.map((p) => `${p.name} ${p.mb.toFixed(1)}`).join(' + ')})\n`);
  } finally {
    process.kill(-child.pid!, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

execFileSync(process.execPath, [path.join(root, 'scripts/build-server.mjs')], { stdio: 'inherit' });
process.stdout.write(`idle ${values.idle} s after start; Node ${process.version}\n`);
for (let i = 0; i < Number(values.runs); i++) {
  // As `npm start` runs it: a small young generation keeps idle memory down (more, cheaper minor GCs).
  await measure('node --max-semi-space-size=2 dist/server/index.js', [process.execPath, '--max-semi-space-size=2', 'dist/server/index.js']);
  if (values.tsx) await measure('tsx server/index.ts', [path.join(root, 'node_modules/.bin/tsx'), 'server/index.ts']);
}
