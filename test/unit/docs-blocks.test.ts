/** The history panel's block extraction and block-level diff (client/src/docs/blocks.ts). */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { budgetBlocks, diffBlocks, richBlocks } from '../../client/src/docs/blocks';
import { applyTemplate, toYNodes, writeBudget } from '../../server/docs/content';
import { TEMPLATES, type RichNode } from '../../shared/templates';

const para = (text: string): RichNode => ({ type: 'paragraph', content: [{ type: 'text', text }] });
function doc(nodes: RichNode[]) {
  const d = new Y.Doc();
  d.getXmlFragment('default').insert(0, toYNodes(nodes));
  return d;
}

describe('blocks', () => {
  it('flattens headings, list items, task items and table rows', () => {
    const d = new Y.Doc();
    applyTemplate(d, TEMPLATES.find((t) => t.id === 'action-research')!);
    const blocks = richBlocks(d);
    expect(blocks[0]).toEqual({ kind: 'h2', text: 'Research question' });
    expect(blocks).toContainEqual({ kind: 'tableRow', text: 'Data source | What it tells us | When collected' });
    expect(blocks).toContainEqual({ kind: 'paragraph', text: '[ ] Collect baseline data' });
  });

  it('diffs by block: kept, removed from the version, added since', () => {
    const before = richBlocks(doc([para('Goals'), para('Old idea'), para('Shared')]));
    const after = richBlocks(doc([para('Goals'), para('Shared'), para('New idea')]));
    expect(diffBlocks(before, after).map((d) => `${d.op}:${d.block.text}`)).toEqual(['same:Goals', 'removed:Old idea', 'same:Shared', 'added:New idea']);
  });

  it('budgets become one block per line plus the allocation', () => {
    const d = new Y.Doc();
    writeBudget(d, [{ category: 'Books', description: 'Novels', quantity: 3, unitCost: 10, fundingSource: '', notes: '' }], 500);
    expect(budgetBlocks(d)).toEqual([
      { kind: 'allocation', text: 'Allocation: 500' },
      { kind: 'line', text: 'Books · Novels · 3 × 10' },
    ]);
  });
});
