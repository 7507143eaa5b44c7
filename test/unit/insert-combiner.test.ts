/**
 * The embedded store's insert combining: inserts that arrive while one is running go out as one insert;
 * a unique-index clash inside a batch fails only the clashing record; other errors fail the whole batch.
 * Then the same through the real embedded store: concurrent inserts all land, a duplicate is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { insertCombiner, openEmbeddedStore } from '../../server/store/embedded';
import { DuplicateKeyError } from '../../server/store/port';

/** An insert whose completion the test controls; records each call's batch. */
function controlledInsert() {
  const calls: { docs: unknown[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const insert = (docs: unknown[]) => new Promise<void>((resolve, reject) => void calls.push({ docs, resolve, reject }));
  return { insert, calls };
}

const tick = () => new Promise((r) => setImmediate(r));
const uniqueViolated = () => Object.assign(new Error('unique'), { errorType: 'uniqueViolated' });

describe('insertCombiner', () => {
  it('goes straight out when idle; inserts made meanwhile share the next call', async () => {
    const c = controlledInsert();
    const insert = insertCombiner(c.insert);
    const first = insert('a');
    await tick();
    expect(c.calls.map((x) => x.docs)).toEqual([['a']]);
    const rest = ['b', 'c', 'd'].map((d) => insert(d));
    await tick();
    expect(c.calls).toHaveLength(1); // one at a time
    c.calls[0]!.resolve();
    await first;
    await tick();
    expect(c.calls.map((x) => x.docs)).toEqual([['a'], ['b', 'c', 'd']]);
    c.calls[1]!.resolve();
    await Promise.all(rest);
  });

  it('a unique clash in a batch is retried record by record: only the clashing insert fails', async () => {
    const c = controlledInsert();
    const insert = insertCombiner(c.insert);
    const first = insert('a');
    const results = ['b', 'dup', 'c'].map((d) => insert(d).then(() => 'ok', (e: Error) => e.message));
    c.calls[0]!.resolve();
    await first;
    await tick();
    c.calls[1]!.reject(uniqueViolated());
    for (let i = 2; i < 5; i++) {
      await tick();
      const call = c.calls[i]!;
      if (call.docs[0] === 'dup') call.reject(uniqueViolated());
      else call.resolve();
    }
    expect(await Promise.all(results)).toEqual(['ok', 'unique', 'ok']);
    expect(c.calls.slice(2).map((x) => x.docs)).toEqual([['b'], ['dup'], ['c']]);
  });

  it('any other failure fails every insert of the batch, and the next ones still run', async () => {
    const c = controlledInsert();
    const insert = insertCombiner(c.insert);
    const first = insert('a');
    const batch = ['b', 'c'].map((d) => insert(d).then(() => 'ok', (e: Error) => e.message));
    c.calls[0]!.resolve();
    await first;
    await tick();
    c.calls[1]!.reject(new Error('disk full'));
    expect(await Promise.all(batch)).toEqual(['disk full', 'disk full']);
    const after = insert('d');
    await tick();
    c.calls[2]!.resolve();
    await after;
  });
});

describe('embedded store with combined inserts', () => {
  it('500 concurrent inserts all land and survive a reopen; a duplicate among them is refused alone', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'combine-'));
    try {
      const store = await openEmbeddedStore(dir);
      await store.ensureIndexes([{ collection: 'log', fields: { doc: 1, seq: 1 }, unique: true }]);
      const log = store.collection<{ _id: string; doc: string; seq: number }>('log');
      const docs = Array.from({ length: 500 }, (_, i) => ({ _id: `r${i}`, doc: `d${i % 50}`, seq: Math.floor(i / 50) }));
      const dup = { _id: 'clash', doc: 'd7', seq: 3 }; // same (doc, seq) as r157
      const results = await Promise.allSettled([...docs, dup].map((d) => log.insertOne(d)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(500);
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(failed).toHaveLength(1);
      expect(failed[0]!.reason).toBeInstanceOf(DuplicateKeyError);
      await store.close();
      const again = await openEmbeddedStore(dir);
      expect(await again.collection('log').count({})).toBe(500);
      expect(await again.collection('log').findOne({ _id: 'clash' })).toBeNull();
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
