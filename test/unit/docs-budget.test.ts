import { describe, expect, it } from 'vitest';
import { budgetToCsv, computeTotals, csvCell, lineTotal, toAmount, toBudgetLine } from '../../shared/budget';

const line = (category: string, quantity: number, unitCost: number, description = '') => toBudgetLine({ category, quantity, unitCost, description });

describe('budget arithmetic', () => {
  it('multiplies quantity by unit cost in cents without float drift', () => {
    expect(lineTotal({ quantity: 3, unitCost: 0.1 })).toBe(0.3);
    expect(lineTotal({ quantity: 7, unitCost: 19.99 })).toBe(139.93);
  });

  it('totals per category (first-seen order), overall, and against the allocation', () => {
    const t = computeTotals([line('Books', 10, 12.5), line('Substitutes', 2, 150), line('Books', 1, 20), line('', 1, 5)], 400);
    expect(t.lineTotals).toEqual([125, 300, 20, 5]);
    expect(t.byCategory).toEqual([
      { category: 'Books', total: 145 },
      { category: 'Substitutes', total: 300 },
      { category: 'Uncategorized', total: 5 },
    ]);
    expect(t.total).toBe(450);
    expect(t.remaining).toBe(-50);
    expect(t.overBudget).toBe(true);
  });

  it('reads lenient input: numeric strings, junk and missing fields', () => {
    expect(toAmount('1,200.50')).toBe(1200.5);
    expect(toAmount('abc')).toBe(0);
    expect(toAmount(Number.NaN)).toBe(0);
    expect(toBudgetLine({ quantity: '2', unitCost: null })).toEqual({ category: '', description: '', quantity: 2, unitCost: 0, fundingSource: '', notes: '' });
  });
});

describe('budget CSV', () => {
  it('neutralizes formula cells and quotes commas, quotes and newlines', () => {
    expect(csvCell('=SUM(A1:A2)')).toBe("'=SUM(A1:A2)");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-x')).toBe("'-x");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"\nthen')).toBe('"say ""hi""\nthen"');
    expect(csvCell(-5)).toBe('-5');
  });

  it('has a header, one row per line, category totals, total, allocation and remaining', () => {
    const csv = budgetToCsv([line('Books', 10, 12.5, 'Novels, class set'), line('=HYPERLINK("x")', 1, 10)], 200);
    const rows = csv.trimEnd().split('\r\n');
    expect(rows[0]).toBe('Category,Description,Quantity,Unit cost,Line total,Funding source,Notes');
    expect(rows[1]).toBe('Books,"Novels, class set",10,12.50,125.00,,');
    expect(rows[2]).toBe(`"'=HYPERLINK(""x"")",,1,10.00,10.00,,`);
    expect(csv).toContain('Total: Books,,,,125.00,,');
    expect(csv).toContain('Total,,,,135.00,,');
    expect(csv).toContain('Allocation,,,,200.00,,');
    expect(csv).toContain('Remaining,,,,65.00,,');
  });
});
