/**
 * Budget arithmetic and CSV, pure and shared: the server's CSV export and the client's live totals both
 * use these, so the numbers a user sees are the numbers they download.
 */

export const BUDGET_FIELDS = ['category', 'description', 'quantity', 'unitCost', 'fundingSource', 'notes'] as const;
export type BudgetField = (typeof BUDGET_FIELDS)[number];

/** One line item as read from the Y.Map (values may be missing or of the wrong type: be lenient). */
export interface BudgetLine {
  category: string;
  description: string;
  quantity: number;
  unitCost: number;
  fundingSource: string;
  notes: string;
}

export interface CategoryTotal {
  category: string;
  total: number;
}

export interface BudgetTotals {
  lineTotals: number[];
  byCategory: CategoryTotal[];
  total: number;
  allocation: number;
  /** allocation - total (negative when over budget). */
  remaining: number;
  overBudget: boolean;
}

export const UNCATEGORIZED = 'Uncategorized';

/** Rounds to cents, avoiding binary float drift (0.1 * 3). */
export const roundCents = (n: number): number => Math.round((n + Number.EPSILON) * 100) / 100;

/** A finite number from user input (number or numeric string), else 0. */
export function toAmount(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.replace(/[,\s$€£]/g, '')) : 0;
  return Number.isFinite(n) ? n : 0;
}

/** What a quantity, unit cost or allocation must be; shown next to a refused entry. */
export const AMOUNT_RULE = 'Enter a number of 0 or more (for example 12 or 4.50).';

/**
 * A quantity, unit cost or allocation typed by a person: a finite number of 0 or more (grouping commas,
 * spaces and a currency sign allowed; empty means 0), or null when it is not one and must not be stored.
 */
export function parseAmount(raw: string): number | null {
  const s = raw.trim().replace(/[,\s$€£]/g, '');
  if (s === '') return 0;
  if (!/^\d*\.?\d+$|^\d+\.$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/** A stored amount as the totals count it: anything negative or not a number counts as 0 (a budget written by another client cannot make "Remaining" grow). */
const storedAmount = (v: unknown): number => Math.max(0, toAmount(v));

/** Normalizes a raw record (from a Y.Map's toJSON) into a BudgetLine. */
export function toBudgetLine(raw: Record<string, unknown>): BudgetLine {
  const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
  return {
    category: str(raw.category),
    description: str(raw.description),
    quantity: storedAmount(raw.quantity),
    unitCost: storedAmount(raw.unitCost),
    fundingSource: str(raw.fundingSource),
    notes: str(raw.notes),
  };
}

/** quantity x unit cost, in cents precision. */
export const lineTotal = (l: Pick<BudgetLine, 'quantity' | 'unitCost'>): number => roundCents(l.quantity * l.unitCost);

/** Line totals, per-category totals (first-seen order) and the overall total against the allocation. */
export function computeTotals(lines: BudgetLine[], allocation: number): BudgetTotals {
  const lineTotals = lines.map(lineTotal);
  const cats = new Map<string, number>();
  lines.forEach((l, i) => {
    const c = l.category.trim() || UNCATEGORIZED;
    cats.set(c, roundCents((cats.get(c) ?? 0) + lineTotals[i]!));
  });
  const total = roundCents(lineTotals.reduce((a, b) => a + b, 0));
  const alloc = roundCents(storedAmount(allocation));
  return {
    lineTotals,
    byCategory: [...cats].map(([category, t]) => ({ category, total: t })),
    total,
    allocation: alloc,
    remaining: roundCents(alloc - total),
    overBudget: total > alloc,
  };
}

/** Formats an amount with two decimals and no symbol or grouping (the CSV export: spreadsheets read it as a number). */
export const formatAmount = (n: number): string => n.toFixed(2);

/** Currencies a budget can be kept in (ISO 4217); the first is the default. */
export const BUDGET_CURRENCIES = ['USD', 'CAD', 'EUR', 'GBP', 'AUD', 'NZD', 'CHF', 'JPY', 'INR', 'MXN', 'ZAR'] as const;
export type BudgetCurrency = (typeof BUDGET_CURRENCIES)[number];

/** The budget's currency from its stored value: one of BUDGET_CURRENCIES, else the default (USD). */
export const toCurrency = (v: unknown): BudgetCurrency => (BUDGET_CURRENCIES as readonly unknown[]).includes(v) ? (v as BudgetCurrency) : 'USD';

/** Money as people read it: currency sign and grouping in the reader's locale ("$1,234.50"). */
export function formatMoney(n: number, currency: BudgetCurrency = 'USD', locale?: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(n);
}

/**
 * One CSV cell: a cell that a spreadsheet would read as a formula (starting with = + - @, or a tab/CR)
 * gets a leading apostrophe; cells with commas, quotes or newlines are quoted.
 */
export function csvCell(v: string | number): string {
  let s = typeof v === 'number' ? String(v) : v;
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const HEADER = ['Category', 'Description', 'Quantity', 'Unit cost', 'Line total', 'Funding source', 'Notes'];

/** The budget as CSV: header, one row per line, then per-category totals, total, allocation, remaining. */
export function budgetToCsv(lines: BudgetLine[], allocation: number): string {
  const t = computeTotals(lines, allocation);
  const rows: (string | number)[][] = [HEADER];
  lines.forEach((l, i) =>
    rows.push([l.category, l.description, l.quantity, formatAmount(l.unitCost), formatAmount(t.lineTotals[i]!), l.fundingSource, l.notes]),
  );
  rows.push([]);
  for (const c of t.byCategory) rows.push([`Total: ${c.category}`, '', '', '', formatAmount(c.total), '', '']);
  rows.push(['Total', '', '', '', formatAmount(t.total), '', '']);
  rows.push(['Allocation', '', '', '', formatAmount(t.allocation), '', '']);
  rows.push([t.overBudget ? 'Over budget' : 'Remaining', '', '', '', formatAmount(Math.abs(t.remaining)), '', '']);
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
