/**
 * Property: random concurrent edits from three stock clients, with random disconnects and reconnects,
 * always converge, and the server's state equals every client's.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connect, createSpaceWithOwner, insertDoc, startCollabServer, synced, waitFor, type CollabTestServer, type TestClient } from '../helpers/collab';

let s: CollabTestServer;
let space: Awaited<ReturnType<typeof createSpaceWithOwner>>;
let people: { client: import('../helpers/server').ApiClient }[];

beforeAll(async () => {
  s = await startCollabServer();
  space = await createSpaceWithOwner(s.url);
  people = [space.owner, await space.addPerson('member'), await space.addPerson('facilitator')];
});

afterAll(async () => {
  await s.close();
});

type Op =
  | { kind: 'insert'; who: number; at: number; text: string }
  | { kind: 'delete'; who: number; at: number; len: number }
  | { kind: 'set'; who: number; key: string; value: number }
  | { kind: 'toggle'; who: number }
  | { kind: 'pause'; ms: number };

const who = fc.integer({ min: 0, max: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('insert' as const), who, at: fc.nat(), text: fc.string({ minLength: 1, maxLength: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), who, at: fc.nat(), len: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('set' as const), who, key: fc.constantFrom('a', 'b', 'c'), value: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('toggle' as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 15 }) }) },
);

function apply(c: TestClient, o: Op) {
  const text = c.doc.getText('t');
  if (o.kind === 'insert') text.insert(o.at % (text.length + 1), o.text);
  else if (o.kind === 'delete' && text.length > 0) {
    const at = o.at % text.length;
    text.delete(at, Math.min(o.len, text.length - at));
  } else if (o.kind === 'set') c.doc.getMap('m').set(o.key, o.value);
  else if (o.kind === 'toggle') {
    if (c.provider.shouldConnect) c.provider.disconnect();
    else c.provider.connect();
  }
}

/** Content only: map keys sorted, since key order depends on arrival order. */
const state = (d: Y.Doc) => {
  const m = d.getMap('m').toJSON();
  return JSON.stringify({ t: d.getText('t').toString(), m: Object.keys(m).sort().map((k) => [k, m[k]]) });
};

describe('convergence property', () => {
  it('random concurrent edits with random disconnects always converge', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), async (ops) => {
        const docId = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
        const cs = people.map((p) => connect(s.wsUrl, docId, p));
        try {
          await Promise.all(cs.map((c) => synced(c)));
          for (const o of ops) {
            if (o.kind === 'pause') await new Promise((r) => setTimeout(r, o.ms));
            else apply(cs[o.who]!, o);
            // Let the network interleave with local edits.
            if (o.kind !== 'pause') await new Promise((r) => setImmediate(r));
          }
          for (const c of cs) if (!c.provider.shouldConnect) c.provider.connect();
          await Promise.all(cs.map((c) => synced(c, 10_000)));
          await waitFor(() => new Set(cs.map((c) => state(c.doc))).size === 1, 'clients converge', 10_000);
          const server = new Y.Doc();
          Y.applyUpdate(server, await s.collab.service.snapshot(docId));
          expect(state(server)).toBe(state(cs[0]!.doc));
        } finally {
          for (const c of cs) c.destroy();
        }
      }),
      { numRuns: 10 },
    );
  }, 120_000);
});
