/**
 * The binary entries of a document's Redis stream: what one flush queued comes back as one entry with the
 * updates merged into one, every presence update in order, the latest durable mark and the release.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Outbox, parseEntry } from '../../server/cluster/doc-stream';

/** The field-value list as a binary XREAD reply gives it back (every value a Buffer). */
const asReply = (fields: (string | Buffer)[]) => fields.map((f) => (typeof f === 'string' ? Buffer.from(f, 'latin1') : Buffer.from(f)));

describe('document stream entries', () => {
  it('carry a burst of updates (merged by the fan-out) as one update, presence in order, the durable mark and the release', () => {
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => updates.push(u));
    for (const word of ['one ', 'two ', 'three']) source.getText('t').insert(source.getText('t').length, word);
    const box = new Outbox();
    box.update = Y.mergeUpdates(updates);
    box.awareness.push(new Uint8Array([1, 2, 3]), new Uint8Array([]), new Uint8Array([250, 0, 7]));
    box.durable = Y.encodeStateVector(source);
    box.released = true;

    const fields = box.fields('inst-1');
    expect(fields.filter((f) => f === 'u')).toHaveLength(1);
    const entry = parseEntry(Buffer.from('1700000000123-4'), asReply(fields));
    expect(entry.at).toBe(1700000000123);
    expect(entry.instance).toBe('inst-1');
    const copy = new Y.Doc();
    Y.applyUpdate(copy, entry.update!);
    expect(copy.getText('t').toString()).toBe('one two three');
    expect(entry.awareness.map((a) => [...a])).toEqual([[1, 2, 3], [], [250, 0, 7]]);
    expect([...entry.durable!]).toEqual([...Y.encodeStateVector(source)]);
    expect(entry.released).toBe(true);
  });

  it('leaves out what was not queued', () => {
    const box = new Outbox();
    box.durable = new Uint8Array([0]);
    const entry = parseEntry(Buffer.from('5-0'), asReply(box.fields('x')));
    expect(entry).toMatchObject({ at: 5, instance: 'x', awareness: [], released: false });
    expect(entry.update).toBeUndefined();
  });
});
