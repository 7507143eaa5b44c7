/**
 * docs/API.md is the one complete reference and stands alone: it cites nothing outside the repository,
 * every repository file it names exists, and each Socket.IO event of shared/events.ts is documented in
 * exactly one table row per direction (no event missing, none described twice).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const API = readFileSync(join(ROOT, 'docs/API.md'), 'utf8');

/** The event names declared (two-space indented keys) in one interface of shared/events.ts. */
function eventsOf(source: string, iface: string): string[] {
  const start = source.indexOf(`export interface ${iface} {`);
  expect(start, `${iface} in shared/events.ts`).toBeGreaterThanOrEqual(0);
  const body = source.slice(start, source.indexOf('\n}', start));
  return [...body.matchAll(/^ {2}'?([a-zA-Z]+(?::[a-zA-Z]+)?)'?\s*:/gm)].map((m) => m[1]!);
}

describe('docs/API.md', () => {
  it('cites nothing outside the repository', () => {
    expect(API).not.toMatch(/CONTRACT\.md/);
    expect(API).not.toMatch(/\]\(\.\.\//); // a relative link climbing out of docs/ ...
    expect(API).not.toMatch(/`\.\.\//); // ... or a path written that way
  });

  it('names only repository files that exist', () => {
    const paths = new Set([...API.matchAll(/\b((?:shared|server|client|scripts|docs|test)\/[\w./-]+\.(?:ts|md|svelte|mjs))\b/g)].map((m) => m[1]!));
    expect(paths.size).toBeGreaterThan(3);
    for (const p of paths) expect(existsSync(join(ROOT, p)), p).toBe(true);
  });

  it('documents each Socket.IO event once per direction', () => {
    const source = readFileSync(join(ROOT, 'shared/events.ts'), 'utf8');
    const toServer = eventsOf(source, 'ClientToServerEvents');
    const toClient = eventsOf(source, 'ServerToClientEvents');
    expect(toServer).toContain('message:send');
    expect(toClient).toContain('session:state');
    const rows = [...API.matchAll(/^\| `([a-zA-Z]+(?::[a-zA-Z]+)?)` \|/gm)].map((m) => m[1]!);
    for (const event of new Set([...toServer, ...toClient])) {
      const directions = Number(toServer.includes(event)) + Number(toClient.includes(event));
      expect(rows.filter((r) => r === event).length, event).toBe(directions);
    }
  });
});
