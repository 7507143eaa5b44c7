/**
 * Thread anchors are two Yjs relative positions made the way the editor makes them (client/src/docs/
 * comments/anchors.ts: the start sticks to the phrase's first character, the end to its last). Property tests with two Yjs clients editing concurrently: the anchor on
 * "tape diagrams" still covers that phrase after random inserts and deletes before and after it, covers
 * the phrase plus what was typed inside it, and collapses (an orphaned thread, still listed by the
 * server) when the phrase is deleted. The server's anchor check accepts these and refuses junk.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { checkAnchor } from '../../server/comments/anchors';

const SENTENCE = 'We use tape diagrams in week two.';
const START = 7;
const END = 20; // exclusive: SENTENCE.slice(7, 20) === 'tape diagrams'

function setup() {
  const a = new Y.Doc();
  const para = new Y.XmlElement('paragraph');
  para.insert(0, [new Y.XmlText(SENTENCE)]);
  a.getXmlFragment('default').insert(0, [para]);
  const b = new Y.Doc();
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  const text = (d: Y.Doc) => (d.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
  const t = text(a);
  const anchor = {
    from: Buffer.from(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(t, START, 0))).toString('base64'),
    to: Buffer.from(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(t, END, -1))).toString('base64'),
  };
  return { a, b, text, anchor };
}

/** The anchored text in `doc`, or null when the range collapsed (its text was deleted). */
function resolve(doc: Y.Doc, anchor: { from: string; to: string }): string | null {
  const abs = (b64: string) => Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(new Uint8Array(Buffer.from(b64, 'base64'))), doc);
  const from = abs(anchor.from);
  const to = abs(anchor.to);
  if (!from || !to || to.index <= from.index) return null;
  return (from.type as Y.XmlText).toString().slice(from.index, to.index);
}

const sync = (x: Y.Doc, y: Y.Doc) => {
  Y.applyUpdate(y, Y.encodeStateAsUpdate(x, Y.encodeStateVector(y)));
  Y.applyUpdate(x, Y.encodeStateAsUpdate(y, Y.encodeStateVector(x)));
};

/** The phrase's current span in a text where only edits outside it (or digits inside it) happened. */
function phraseSpan(s: string): [number, number] {
  const i = s.indexOf('t');
  let seen = 0;
  let j = i;
  for (; j < s.length && seen < 'tape diagrams'.length; j++) if (!/\d/.test(s[j]!)) seen++;
  return [i, j];
}

type Edit = { side: 'before' | 'after' | 'inside'; kind: 'insert' | 'delete'; at: number; len: number };
const edit = fc.record({
  side: fc.constantFrom('before', 'after', 'inside'),
  kind: fc.constantFrom('insert', 'delete'),
  at: fc.nat(1000),
  len: fc.integer({ min: 1, max: 4 }),
}) as fc.Arbitrary<Edit>;

/** Applies an edit to one client's text: letters outside the phrase, digits inside it, deletes outside only. */
function apply(t: Y.XmlText, e: Edit) {
  const s = t.toString();
  const [p0, p1] = phraseSpan(s);
  if (e.side === 'inside') {
    if (e.kind === 'delete' || p1 - p0 < 2) return;
    t.insert(p0 + 1 + (e.at % (p1 - p0 - 1)), '7'.repeat(e.len));
  } else if (e.side === 'before') {
    if (e.kind === 'insert') t.insert(e.at % (p0 + 1), 'x'.repeat(e.len));
    else if (p0 > 0) {
      const at = e.at % p0;
      t.delete(at, Math.min(e.len, p0 - at));
    }
  } else {
    const after = s.length - p1;
    if (e.kind === 'insert') t.insert(p1 + (e.at % (after + 1)), 'y'.repeat(e.len));
    else if (after > 0) {
      const at = e.at % after;
      t.delete(p1 + at, Math.min(e.len, after - at));
    }
  }
}

describe('comment anchors', () => {
  it('survive concurrent inserts and deletes before, after and inside the phrase (two clients)', () => {
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 25 }), fc.array(edit, { maxLength: 25 }), fc.boolean(), (ea, eb, midSync) => {
        const { a, b, text, anchor } = setup();
        ea.forEach((e, i) => {
          apply(text(a), e);
          if (midSync && i === Math.floor(ea.length / 2)) sync(a, b);
        });
        for (const e of eb) apply(text(b), e);
        sync(a, b);
        expect(text(a).toString()).toBe(text(b).toString());
        for (const d of [a, b]) {
          const got = resolve(d, anchor);
          expect(got).not.toBeNull();
          expect(got!.replace(/\d/g, '')).toBe('tape diagrams');
          // Everything typed inside the phrase is inside the highlight.
          expect(got!.length).toBe(phraseSpan(text(d).toString())[1] - phraseSpan(text(d).toString())[0]);
        }
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  it('collapses when the phrase is deleted, even while the other client edits around it', () => {
    fc.assert(
      fc.property(fc.array(edit.filter((e) => e.side !== 'inside'), { maxLength: 10 }), (eb) => {
        const { a, b, text, anchor } = setup();
        text(a).delete(START, END - START);
        for (const e of eb) if (e.kind === 'insert') apply(text(b), e);
        sync(a, b);
        expect(resolve(a, anchor)).toBeNull();
        expect(resolve(b, anchor)).toBeNull();
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it('the server accepts what the editor makes and refuses junk and the wrong kind', () => {
    const { anchor } = setup();
    expect(() => checkAnchor(anchor, 'rich')).not.toThrow();
    expect(() => checkAnchor(anchor, 'budget')).toThrow(/lineId/);
    expect(() => checkAnchor({ lineId: 'abc' }, 'rich')).toThrow(/from, to/);
    expect(() => checkAnchor({ from: anchor.from, to: Buffer.from([1, 2, 3, 250, 251]).toString('base64') }, 'rich')).toThrow(/relative position/);
    const trailing = Buffer.concat([Buffer.from(anchor.from, 'base64'), Buffer.from([0, 0, 0])]).toString('base64');
    expect(() => checkAnchor({ from: trailing, to: anchor.to }, 'rich')).toThrow(/relative position/);
  });
});
