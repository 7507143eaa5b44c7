/**
 * Guards the "one table" rule: no file under client/src compares a role name itself. Buttons ask
 * client/src/lib/policy.ts (`may`, `closedToGuests`) or shared/policy.ts, which read the one role/rights
 * table the server enforces. A check such as `space.role === 'facilitator'` creeping back fails here,
 * with the file and line to change.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../shared/types';

const ROOT = join(import.meta.dirname, '../..');
const CLIENT = join(ROOT, 'client/src');

const NAME = `['"\`](?:${ROLES.join('|')})['"\`]`;
/** The shapes a role rule takes when written by hand. */
const ROLE_RULES: RegExp[] = [
  new RegExp(`(?:===|!==|==|!=)\\s*${NAME}`), // role === 'guest'
  new RegExp(`${NAME}\\s*(?:===|!==|==|!=)`), // 'guest' === role
  new RegExp(`\\bcase\\s+${NAME}`), // switch (role) { case 'guest': ... }
  new RegExp(`\\.(?:includes|indexOf)\\(\\s*${NAME}`), // roles.includes('guest')
  new RegExp(`\\[\\s*${NAME}\\s*[,\\]]`), // ['facilitator', 'member'].includes(role), ['guest'].includes(role)
  new RegExp(`\\b(?:${ROLES.join('|')})\\s*:\\s*\\d`), // { facilitator: 0, member: 1 } rank tables
  /\bis(?:Facilitator|Member|Guest)\b/, // role flags computed outside the table
];

/** The role rules written by hand in `source`, as "line: text". */
function roleRulesIn(source: string): string[] {
  return source.split('\n').flatMap((line, i) => (ROLE_RULES.some((r) => r.test(line)) ? [`${i + 1}: ${line.trim()}`] : []));
}

function clientFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return clientFiles(path);
    return /\.(ts|svelte|js)$/.test(e.name) ? [path] : [];
  });
}

describe('no role rule outside the shared policy table', () => {
  it('the detector recognises the shapes a hand-written role rule takes', () => {
    const caught = [
      "const canCreate = $derived(space?.role === 'facilitator' || space?.role === 'member');",
      '{#if live.role !== "guest"}',
      "if ('guest' === me.role) return;",
      "switch (role) { case 'member': break; }",
      "const editors = ['facilitator', 'member'];",
      "members.filter((m) => !['guest'].includes(m.role));",
      'const order = { facilitator: 0, member: 1, guest: 2 };',
      'get isFacilitator() { return true; }',
    ];
    for (const line of caught) expect(roleRulesIn(line), line).toHaveLength(1);
    const fine = ["const role = $state<string>('member');", "may(space.role, 'docs.edit')", 'roles.facilitator === me.id', '<RoleBadge role={member.role} />'];
    for (const line of fine) expect(roleRulesIn(line), line).toEqual([]);
  });

  it('client/src asks the table instead of comparing role names', () => {
    const files = clientFiles(CLIENT);
    expect(files.length).toBeGreaterThan(20); // the walk found the client
    const found = files.flatMap((f) => roleRulesIn(readFileSync(f, 'utf8')).map((hit) => `${relative(ROOT, f)}:${hit}`));
    expect(found, 'ask may() from client/src/lib/policy.ts (or shared/policy.ts) instead').toEqual([]);
  });
});
