/**
 * A budget document's live state: the Y.Array `lines` of Y.Map and the Y.Map `meta`, mirrored into runes
 * state on every change (local or remote), with totals from shared/budget.ts. Each cell writes only its
 * own Y.Map key, so two people editing different cells of one line both keep their edits.
 */
import * as Y from 'yjs';
import { BUDGET_FIELDS, computeTotals, parseAmount, toAmount, toBudgetLine, toCurrency, type BudgetCurrency, type BudgetField, type BudgetLine, type BudgetTotals } from '../../../shared/budget';

export interface BudgetRow {
  /** Stable across re-renders and peers: the Y.Map's own id. */
  key: string;
  map: Y.Map<unknown>;
  line: BudgetLine;
}

const NUMERIC = new Set<BudgetField>(['quantity', 'unitCost']);

export class BudgetState {
  rows = $state<BudgetRow[]>([]);
  allocation = $state(0);
  /** "Remixed from … by …, <license>" when the budget came from the library. */
  attribution = $state('');
  currency = $state<BudgetCurrency>('USD');
  totals = $derived<BudgetTotals>(computeTotals(this.rows.map((r) => r.line), this.allocation));

  private readonly lines: Y.Array<Y.Map<unknown>>;
  private readonly meta: Y.Map<unknown>;
  private readonly off: () => void;

  constructor(
    private readonly doc: Y.Doc,
    /** The space's currency: what a budget shows unless it chose its own. */
    private readonly spaceCurrency: BudgetCurrency = 'USD',
  ) {
    this.lines = doc.getArray<Y.Map<unknown>>('lines');
    this.meta = doc.getMap('meta');
    const read = () => this.read();
    this.lines.observeDeep(read);
    this.meta.observe(read);
    this.off = () => {
      this.lines.unobserveDeep(read);
      this.meta.unobserve(read);
    };
    this.read();
  }

  private read(): void {
    this.rows = this.lines
      .toArray()
      .filter((m): m is Y.Map<unknown> => m instanceof Y.Map)
      .map((map) => ({ key: map._item ? `${map._item.id.client}-${map._item.id.clock}` : String(Math.random()), map, line: toBudgetLine(map.toJSON() as Record<string, unknown>) }));
    this.allocation = Math.max(0, toAmount(this.meta.get('allocation')));
    const a = this.meta.get('attribution');
    this.attribution = typeof a === 'string' ? a : '';
    const own = this.meta.get('currency');
    this.currency = own === undefined ? this.spaceCurrency : toCurrency(own);
  }

  /** Writes one cell; false (and nothing stored) when a quantity or unit cost is not a number of 0 or more. */
  set(row: BudgetRow, field: BudgetField, raw: string): boolean {
    const value = NUMERIC.has(field) ? parseAmount(raw) : raw;
    if (value === null) return false;
    if (row.map.get(field) !== value) row.map.set(field, value);
    return true;
  }

  /** Writes the allocation; false (and nothing stored) when it is not a number of 0 or more. */
  setAllocation(raw: string): boolean {
    const v = parseAmount(raw);
    if (v === null) return false;
    if (this.meta.get('allocation') !== v) this.meta.set('allocation', v);
    return true;
  }

  setCurrency(c: BudgetCurrency): void {
    if (this.meta.get('currency') !== c) this.meta.set('currency', c);
  }

  /** Appends an empty line (category copied from the last line, the usual next entry). */
  addLine(): void {
    const m = new Y.Map<unknown>();
    const last = this.rows.at(-1)?.line;
    this.doc.transact(() => {
      for (const f of BUDGET_FIELDS) m.set(f, NUMERIC.has(f) ? (f === 'quantity' ? 1 : 0) : f === 'category' ? (last?.category ?? '') : '');
      this.lines.push([m]);
    });
  }

  removeLine(row: BudgetRow): void {
    const i = this.lines.toArray().indexOf(row.map);
    if (i >= 0) this.lines.delete(i, 1);
  }

  destroy(): void {
    this.off();
  }
}
