/** Budget amounts typed by people: refused unless a number of 0 or more; negatives stored by others count as 0; money formatting. */
import { describe, expect, it } from 'vitest';
import { computeTotals, formatMoney, parseAmount, toBudgetLine, toCurrency } from '../../shared/budget';

describe('budget amounts', () => {
  it('accepts numbers of 0 or more, with grouping and a currency sign; refuses the rest', () => {
    expect(parseAmount('12')).toBe(12);
    expect(parseAmount(' 4.50 ')).toBe(4.5);
    expect(parseAmount('$1,200.5')).toBe(1200.5);
    expect(parseAmount('')).toBe(0);
    expect(parseAmount('.5')).toBe(0.5);
    for (const bad of ['-5', 'abc', '1e3', '4..5', '--1', 'Infinity', '1-2']) expect(parseAmount(bad), bad).toBeNull();
  });

  it('a negative quantity or allocation written by another client counts as 0: Remaining cannot grow', () => {
    const lines = [toBudgetLine({ quantity: 2, unitCost: 10 }), toBudgetLine({ quantity: -5, unitCost: 10 })];
    const t = computeTotals(lines, 100);
    expect(t.total).toBe(20);
    expect(t.remaining).toBe(80);
    expect(computeTotals([], -50).allocation).toBe(0);
  });

  it('formats money with the currency and grouping; unknown currencies fall back to USD', () => {
    expect(formatMoney(1234.5, 'USD', 'en-US')).toBe('$1,234.50');
    expect(formatMoney(75, 'EUR', 'en-US')).toBe('€75.00');
    expect(toCurrency('XYZ')).toBe('USD');
    expect(toCurrency('GBP')).toBe('GBP');
  });
});
