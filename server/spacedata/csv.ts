/** CSV for exports: RFC 4180 with CRLF line ends, cells guarded against spreadsheet formulas. */

const FORMULA = /^[=+\-@\t\r]/;

/** One cell: quoted when needed; a leading formula character is neutralised with an apostrophe. */
export function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
  const safe = FORMULA.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV line (with its CRLF). */
export const csvLine = (cells: unknown[]) => cells.map(csvCell).join(',') + '\r\n';
