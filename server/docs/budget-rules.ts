/**
 * A budget's content rules on the server: the same rule the budget editor applies before writing
 * (shared/budget.ts), enforced on every Yjs update a client sends, so a client that skips the editor
 * (a script, a modified build) cannot store a negative quantity or a unit cost that is not a number.
 *
 * A budget keeps amounts as map entries: `quantity` and `unitCost` in each line's Y.Map, `allocation`
 * (and `currency`) in the `meta` map. An entry written in an update is an Item; its key is `parentSub`
 * when the update names its parent, and otherwise (an overwrite names only its `origin`, the value it
 * replaces) the key of that origin, found in the update itself or in the server's document. Its content
 * must be one JSON value (ContentAny) that passes the rule. Already-deleted entries arrive as
 * ContentDeleted and carry no value.
 */
import * as Y from 'yjs';
import { BUDGET_CURRENCIES } from '../../shared/budget';
import type { DecodedUpdate, UpdateValidator } from '../collab/types';

/** Largest amount a budget stores (a quantity or a cost in the trillions is a typo or an attack). */
export const MAX_AMOUNT = 1e12;

const AMOUNT_KEYS = new Set(['quantity', 'unitCost', 'allocation']);
const RULED_KEYS = new Set([...AMOUNT_KEYS, 'currency']);
/** Origin chains inside one update are followed this far (an honest overwrite chain is a few long). */
const MAX_CHAIN = 10_000;
/** Stands for "this item's key cannot be known" (its origin is neither in the update nor in the document). */
const UNKNOWN = Symbol('unknown');

const isAmount = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_AMOUNT;
const isCurrency = (v: unknown): boolean => (BUDGET_CURRENCIES as readonly unknown[]).includes(v);

/** Why one map entry of an update breaks the budget's rules, or null. */
function entryProblem(key: string, content: Y.Item['content']): string | null {
  if (content instanceof Y.ContentDeleted) return null;
  const ok = AMOUNT_KEYS.has(key) ? isAmount : isCurrency;
  if (!(content instanceof Y.ContentAny) || !content.arr.every(ok)) {
    return AMOUNT_KEYS.has(key) ? `budget ${key} must be a number of 0 or more` : 'budget currency is not one of the offered currencies';
  }
  return null;
}

/** Finds the struct of `update` that holds `id`, if the update carries it. */
function inUpdate(byClient: Map<number, Y.Item[]>, id: Y.ID): Y.Item | undefined {
  for (const s of byClient.get(id.client) ?? []) if (id.clock >= s.id.clock && id.clock < s.id.clock + s.length) return s;
  return undefined;
}

/** The map key an item of the update writes (null: not a map entry), or UNKNOWN. */
function keyOf(item: Y.Item, byClient: Map<number, Y.Item[]>, doc: Y.Doc): string | null | typeof UNKNOWN {
  let at: Y.Item = item;
  for (let hops = 0; hops < MAX_CHAIN; hops++) {
    if (at.parent !== null) return at.parentSub;
    const ref = at.origin ?? at.rightOrigin;
    if (!ref) return null;
    const next = inUpdate(byClient, ref);
    if (next) {
      at = next;
      continue;
    }
    if (ref.clock < Y.getState(doc.store, ref.client)) {
      const known = Y.getItem(doc.store, ref);
      // A garbage-collected origin lived in a deleted parent: whatever attaches there is never seen.
      return known instanceof Y.Item ? known.parentSub : null;
    }
    return UNKNOWN;
  }
  return UNKNOWN;
}

/** Checks every amount (and the currency) a client's update writes into a budget. */
export const validateBudgetUpdate: UpdateValidator = (update: DecodedUpdate, doc: Y.Doc) => {
  const byClient = new Map<number, Y.Item[]>();
  for (const s of update.structs) {
    if (!(s instanceof Y.Item)) continue;
    const list = byClient.get(s.id.client);
    if (list) list.push(s);
    else byClient.set(s.id.client, [s]);
  }
  for (const items of byClient.values()) {
    for (const s of items) {
      if (s.content instanceof Y.ContentDeleted) continue;
      const key = keyOf(s, byClient, doc);
      // An entry whose place the server cannot see yet would be integrated later, unchecked: refused.
      if (key === UNKNOWN) return 'budget update depends on content the server does not have';
      if (key === null || !RULED_KEYS.has(key)) continue;
      const problem = entryProblem(key, s.content);
      if (problem) return problem;
    }
  }
  return null;
};
