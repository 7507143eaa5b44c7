/**
 * Benchmark runner: runs every scripts/bench-<name>.ts in turn, each in its own process so CPU and
 * memory figures do not mix.
 *
 * Usage:
 *   npm run bench                          # every benchmark with its defaults
 *   npm run bench -- collab                # only scripts/bench-collab.ts
 *   npm run bench -- collab --writers 50 --readers 100
 *   npm run bench -- chat --help           # a benchmark's own flags
 *
 * Adding a benchmark: drop scripts/bench-<name>.ts with a usage header; it is picked up by name.
 * Loopback only; every benchmark bounds its own running time.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .map((f) => /^bench-(.+)\.ts$/.exec(f)?.[1])
  .filter((n): n is string => Boolean(n))
  .sort();

const args = process.argv.slice(2);
const named = args[0] && !args[0].startsWith('-') ? args.shift()! : null;
if (named && !available.includes(named)) {
  process.stderr.write(`Unknown benchmark "${named}". Available: ${available.join(', ')}\n`);
  process.exit(2);
}
const selected = named ? [named] : available;

/** Runs one benchmark file with the remaining flags; resolves with its exit code. */
function run(name: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, `bench-${name}.ts`), ...args], { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let failed = 0;
for (const name of selected) {
  process.stdout.write(`\n=== bench-${name} ===\n`);
  const code = await run(name);
  if (code !== 0) {
    failed++;
    process.stderr.write(`bench-${name} exited with ${code}\n`);
  }
}
process.exit(failed ? 1 : 0);
