/**
 * A deletion is acknowledged as saved only once it is stored, in a cluster too. A deletion shows in no
 * state vector, so "the owner's next durable write" used to stand for it; but a write already on its way
 * to the store when the deletion arrived does not hold it, and its acknowledgement came first. Two apps in
 * this test process stand for two server processes (one Redis, one store); the owner's writes to the store
 * are held and let go one at a time, so a write is reliably in flight when the deletion comes. Stock
 * y-websocket clients, asking for saved acknowledgements. Skips with a printed reason when Redis is missing.
 */
import { describe, expect, it } from 'vitest';
import { createUpdateLog } from '../../server/collab/updateLog';
import type { Store } from '../../server/store/port';
import { connect, synced, waitFor, type TestClient } from '../helpers/collab';
import { ackedAll, newClusterDoc, viaProcess } from '../helpers/cluster';
import { useInProcessCluster, type InProcessNode } from '../helpers/inprocess-cluster';
import { viewOfStore, withMethods } from '../helpers/stores';

const clients: TestClient[] = [];
const gates: Gate[] = [];
const { skip, cluster } = useInProcessCluster('cluster-deletion-ack', () => {
  for (const c of clients.splice(0)) c.destroy();
  // Whatever a failed test left held goes through, so the apps can close.
  for (const g of gates) {
    g.held = false;
    while (g.waiting.length) g.release();
  }
});

interface Gate {
  held: boolean;
  waiting: (() => void)[];
  release(): void;
  view(inner: Store): Store;
}

/** Holds one app's document writes (docUpdates inserts) while `held` is set; `release()` lets the oldest go. */
function gate(): Gate {
  const waiting: (() => void)[] = [];
  const g: Gate = {
    held: false,
    waiting,
    release: () => waiting.shift()?.(),
    view: (inner) =>
      viewOfStore(inner, (name, c) =>
        name !== 'docUpdates'
          ? c
          : withMethods(c, {
              async insertOne(doc) {
                if (g.held) await new Promise<void>((go) => waiting.push(go));
                return c.insertOne(doc);
              },
            }),
      ),
  };
  gates.push(g);
  return g;
}

/** The document's text as the shared store holds it now (what a process loading it would get). */
async function storedText(docId: string): Promise<string> {
  const doc = (await createUpdateLog(cluster.store(), Date.now).load(docId)).doc;
  return doc.getText('t').toString();
}

/** Two apps; A owns the document (it opened it first), Alma on A and Ben on B have typed "hello" and know it is saved. */
async function setUp() {
  const ownerGate = gate();
  const a = await cluster.start({ storeView: ownerGate.view });
  const b = await cluster.start();
  const { docId, owner, member } = await newClusterDoc(a.url);
  const alma = connect(a.wsUrl, docId, owner, { saved: true });
  clients.push(alma);
  await synced(alma);
  await waitForOwner(a, docId);
  const ben = connect(b.wsUrl, docId, viaProcess(member, b.url), { saved: true });
  clients.push(ben);
  await synced(ben);
  alma.doc.getText('t').insert(0, 'hello');
  await waitFor(() => ben.doc.getText('t').toString() === 'hello' && ackedAll(alma), 'hello on B, saved for Alma', 10_000);
  return { docId, ownerGate, alma, ben, a };
}

/** Resolves once `node` holds the document's ownership lease in Redis. */
async function waitForOwner(node: InProcessNode, docId: string): Promise<void> {
  await waitFor(async () => ((await node.cluster.client.get(`collab:{${docId}}:owner`)) ?? '').startsWith(`${node.cluster.instance}|`), 'the ownership lease', 10_000);
}

const settle = () => new Promise((r) => setTimeout(r, 400));

/**
 * The owner starts a write (Alma's "!") that is held on its way to the store; Ben deletes "hello" on B
 * meanwhile and the owner integrates it (Alma sees it) behind the held write. Returns how many saved
 * acknowledgements Ben had before.
 */
async function benDeletesBehindAHeldWrite({ ownerGate, alma, ben }: Awaited<ReturnType<typeof setUp>>): Promise<number> {
  ownerGate.held = true;
  alma.doc.getText('t').insert(5, '!');
  await waitFor(() => ownerGate.waiting.length === 1, 'a held owner write');
  const before = ben.saved.length;
  ben.doc.getText('t').delete(0, 5);
  await waitFor(() => alma.doc.getText('t').toString() === '!', 'the deletion on the owner');
  return before;
}

describe.skipIf(skip)('deletions are acknowledged once stored, in a cluster', () => {
  it('on the process that does not store: not by the owner write that was already in flight, but by the one that holds it', async () => {
    const setup = await setUp();
    const { docId, ownerGate, alma, ben } = setup;
    const before = await benDeletesBehindAHeldWrite(setup);

    // The write in flight lands: Alma's "!" is saved, the deletion is not stored yet, and B must not say so.
    ownerGate.release();
    await waitFor(() => ackedAll(alma) && ownerGate.waiting.length === 1, 'the first write landed, the next one held');
    await settle();
    expect(await storedText(docId)).toBe('hello!');
    expect(ben.saved.length).toBe(before);

    // The next write holds the deletion: now Ben hears it is saved, and the store has it.
    ownerGate.held = false;
    ownerGate.release();
    await waitFor(() => ben.saved.length > before, 'a saved acknowledgement for Ben');
    expect(await storedText(docId)).toBe('!');
  });

  it('when the owner stops (paused, its lease expires) and this process takes over, its first write acknowledges the deletion', async () => {
    const setup = await setUp();
    const { docId, ben, a } = setup;
    const before = await benDeletesBehindAHeldWrite(setup);
    // The owner stalls (its write never lands) and loses Redis: its lease runs out (6 s) and B takes over,
    // fencing the store, loading it and storing its whole state, deletion included.
    await a.cluster.client.destroy();
    await waitFor(() => ben.saved.length > before, 'a saved acknowledgement for Ben from the new owner', 15_000);
    expect(await storedText(docId)).toBe('!');
  }, 30_000);

  it('on the owner itself: not by the write in flight when the deletion came, but by the one that holds it', async () => {
    const { docId, ownerGate, alma, ben } = await setUp();
    ownerGate.held = true;
    // Ben's "?" from B starts an owner write that is held.
    ben.doc.getText('t').insert(5, '?');
    await waitFor(() => ownerGate.waiting.length === 1, 'a held owner write');
    const before = alma.saved.length;
    alma.doc.getText('t').delete(0, 5);

    ownerGate.release();
    await waitFor(() => ownerGate.waiting.length === 1, 'the next write held');
    await settle();
    expect(await storedText(docId)).toBe('hello?');
    expect(alma.saved.length).toBe(before);

    ownerGate.held = false;
    ownerGate.release();
    await waitFor(() => alma.saved.length > before, 'a saved acknowledgement for Alma');
    expect(await storedText(docId)).toBe('?');
  });
});
