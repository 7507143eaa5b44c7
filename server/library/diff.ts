/**
 * "What changed" between two published versions: a line diff (longest common subsequence) of their
 * Markdown, summarised as counts and a few sample lines. No diff package is installed; this is small.
 */
import type { ChangeSummary } from '../../shared/library';

const SAMPLE_MAX = 8;
const LINE_MAX = 200;
/** Above this many cells the LCS table is skipped and lines are compared as sets (still a fair summary). */
const CELLS_MAX = 4_000_000;

function lcsOps(a: string[], b: string[]): { op: '+' | '-' | '='; line: string }[] {
  const n = a.length;
  const m = b.length;
  // table[i][j] = LCS length of a[i..] and b[j..], kept in one typed array.
  const t = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) t[at(i, j)] = a[i] === b[j] ? t[at(i + 1, j + 1)]! + 1 : Math.max(t[at(i + 1, j)]!, t[at(i, j + 1)]!);
  const ops: { op: '+' | '-' | '='; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) (ops.push({ op: '=', line: a[i]! }), i++, j++);
    else if (t[at(i + 1, j)]! >= t[at(i, j + 1)]!) ops.push({ op: '-', line: a[i++]! });
    else ops.push({ op: '+', line: b[j++]! });
  }
  while (i < n) ops.push({ op: '-', line: a[i++]! });
  while (j < m) ops.push({ op: '+', line: b[j++]! });
  return ops;
}

function setOps(a: string[], b: string[]): { op: '+' | '-'; line: string }[] {
  const inA = new Set(a);
  const inB = new Set(b);
  return [...a.filter((l) => !inB.has(l)).map((line) => ({ op: '-' as const, line })), ...b.filter((l) => !inA.has(l)).map((line) => ({ op: '+' as const, line }))];
}

/** Summarises how `after` differs from `before`, line by line (blank lines ignored). */
export function summariseChanges(before: string, after: string): ChangeSummary {
  let a = before.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  let b = after.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  // Common head and tail cost nothing to skip and keep the table small.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  a = a.slice(head);
  b = b.slice(head);
  let tail = 0;
  while (tail < a.length && tail < b.length && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  a = a.slice(0, a.length - tail);
  b = b.slice(0, b.length - tail);
  const ops = (a.length + 1) * (b.length + 1) > CELLS_MAX ? setOps(a, b) : lcsOps(a, b).filter((o) => o.op !== '=');
  const changed = ops as { op: '+' | '-'; line: string }[];
  return {
    linesAdded: changed.filter((o) => o.op === '+').length,
    linesRemoved: changed.filter((o) => o.op === '-').length,
    sample: changed.slice(0, SAMPLE_MAX).map((o) => ({ op: o.op, line: o.line.slice(0, LINE_MAX) })),
  };
}
