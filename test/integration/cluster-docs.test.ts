/**
 * Documents on two real server processes sharing one Redis and one MongoDB: stock WebsocketProvider
 * clients on each co-edit and converge, presence crosses, both get saved acknowledgements, and when the
 * owning process is SIGKILLed mid-typing every acknowledged edit survives on the other one.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE_FORBIDDEN } from '../../shared/collab';
import { connect, covers, synced, waitFor, type Person, type TestClient } from '../helpers/collab';
import { ackedAll, clusterSkipReason, newClusterDoc, storedDoc, storedText, useCluster, viaProcess as as, type TestCluster } from '../helpers/cluster';

const skip = clusterSkipReason();
if (skip) console.warn(`[cluster-docs] skipped: ${skip}`);

const clients: TestClient[] = [];
const getCluster = useCluster(2, skip, () => {
  for (const c of clients.splice(0)) c.destroy();
});

function open(wsUrl: string, docId: string, p: Person, doc?: Y.Doc): TestClient {
  const c = connect(wsUrl, docId, p, { saved: true, ...(doc ? { doc } : {}) });
  clients.push(c);
  return c;
}

/**
 * A third process that opens a new document first (so it owns it), its owner's client there and a
 * member's client on B (returned as `onB`).
 */
async function ownedByANewProcess(cluster: TestCluster) {
  const extra = await cluster.add();
  const B = cluster.nodes[1]!;
  const { docId, owner, member } = await newClusterDoc(extra.url);
  const onOwner = open(extra.wsUrl, docId, as(owner, extra.url));
  await synced(onOwner);
  const onB = open(B.wsUrl, docId, as(member, B.url));
  await synced(onB);
  return { extra, B, docId, owner, member, onOwner, onB };
}

const text = (c: TestClient) => c.doc.getText('t').toString();

describe.skipIf(skip)('documents on two processes', () => {
  it('clients on A and B co-edit one document, converge, see each other’s presence and get saved acks', async () => {
    const cluster = getCluster();
    const [A, B] = cluster.nodes;
    const { docId, owner, member } = await newClusterDoc(A!.url);
    const a = open(A!.wsUrl, docId, owner);
    const b = open(B!.wsUrl, docId, as(member, B!.url));
    // Asks for saved acks but never edits: it hears the durable state while it connects (the server's
    // greeting, and the answer to its own empty sync reply), and nothing after that.
    const watcher = open(B!.wsUrl, docId, as(member, B!.url));
    await Promise.all([synced(a), synced(b), synced(watcher)]);
    await waitFor(() => watcher.saved.length > 0, 'the watcher’s acknowledgement at connect');
    await new Promise((r) => setTimeout(r, 300));
    const watcherAcks = watcher.saved.length;
    // Random interleaved edits from both sides.
    for (let i = 0; i < 40; i++) {
      const c = i % 3 === 0 ? b : a;
      const t = c.doc.getText('t');
      if (t.length > 5 && Math.random() < 0.3) t.delete(Math.floor(Math.random() * (t.length - 1)), 1);
      else t.insert(Math.floor(Math.random() * (t.length + 1)), `${i % 10}`);
      if (i % 7 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(() => text(a) === text(b) && text(a).length > 0, 'convergence', 15_000);
    await waitFor(() => ackedAll(a) && ackedAll(b), 'saved acks on both processes', 15_000);
    // Acknowledgements go to the connections whose edits a write covered, not to everyone at every write.
    await waitFor(() => text(watcher) === text(a), 'the watcher sees every edit');
    expect(watcher.saved.length).toBe(watcherAcks);

    a.provider.awareness.setLocalStateField('user', { name: 'Ada on A' });
    await waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ada on A', 'presence across processes', 10_000);

    // What both were told is saved is in the shared store.
    expect(await storedText(cluster, docId)).toBe(text(a));
  });

  it('SIGKILL of the owning process mid-typing: the clients move to the other process and every acknowledged edit is there', async () => {
    const cluster = getCluster();
    const { extra, B, docId, owner, onOwner, onB } = await ownedByANewProcess(cluster);
    const t = onOwner.doc.getText('t');
    for (let i = 0; i < 30; i++) t.insert(t.length, 'a');
    await waitFor(() => ackedAll(onOwner), 'first edits acknowledged', 15_000);
    const acked = text(onOwner);
    for (let i = 0; i < 10; i++) t.insert(t.length, 'b'); // in flight when the process dies
    await extra.stop('SIGKILL');

    // The client of the dead process reconnects to B with its document (unacknowledged edits included).
    onOwner.provider.destroy();
    const moved = open(B!.wsUrl, docId, as(owner, B!.url), onOwner.doc);
    await synced(moved, 10_000);
    // B takes the ownership once the dead one's lease expires, stores the whole state and acknowledges.
    await waitFor(() => ackedAll(moved) && ackedAll(onB), 'acknowledged by the new owner', 20_000);
    await waitFor(() => text(onB) === text(moved), 'converged on B', 10_000);
    expect(text(onB).startsWith(acked)).toBe(true);
    expect(text(onB)).toBe(`${'a'.repeat(30)}${'b'.repeat(10)}`);

    // And it is durable: the shared store holds all of it.
    expect(await storedText(cluster, docId)).toBe(text(onB));
  });

  it('removing a member on A closes their document on B', async () => {
    const cluster = getCluster();
    const [A, B] = cluster.nodes;
    const { docId, owner, member } = await newClusterDoc(A!.url);
    const onB = open(B!.wsUrl, docId, as(member, B!.url));
    await synced(onB);
    const res = await owner.client.delete(`/api/spaces/${(await owner.client.get(`/api/docs/${docId}`)).body.doc.spaceId}/members/${member.user.id}`);
    expect(res.status).toBeLessThan(300);
    await waitFor(() => onB.closes.some((c) => c.code === CLOSE_FORBIDDEN), 'closed with forbidden on B', 10_000);
  });

  it('SIGTERM drains a process: it exits 0, frees its documents at once, and its clients carry on elsewhere', async () => {
    const cluster = getCluster();
    const { extra: leaving, B, docId, owner, onOwner: onLeaving } = await ownedByANewProcess(cluster);
    onLeaving.doc.getText('t').insert(0, 'typed before the deploy');
    await waitFor(() => ackedAll(onLeaving), 'acknowledged before the drain', 10_000);
    expect(await leaving.stop('SIGTERM')).toBe(0);

    onLeaving.provider.destroy();
    const moved = open(B!.wsUrl, docId, as(owner, B!.url), onLeaving.doc);
    await synced(moved);
    // The lease was released and B told at once, not left to expire (its 6 s plus a 2 s claim interval).
    const started = Date.now();
    moved.doc.getText('t').insert(moved.doc.getText('t').length, ' and after');
    await waitFor(() => ackedAll(moved), 'acknowledged by B', 10_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await storedText(cluster, docId)).toBe('typed before the deploy and after');
  });

  it('a client whose edit reached the server through another client is acknowledged once that edit is stored, not before', async () => {
    const cluster = getCluster();
    const [A, B] = cluster.nodes;
    const { docId, owner, member } = await newClusterDoc(A!.url);
    const a = open(A!.wsUrl, docId, owner); // A opens it first: A owns it
    await synced(a);
    const y = open(B!.wsUrl, docId, as(member, B!.url));
    await synced(y);
    // X wrote while offline; Y got a copy of that edit (a shared device) before X came back.
    const xdoc = new Y.Doc();
    xdoc.getText('t').insert(0, 'written offline');
    A!.proc.kill('SIGSTOP'); // the owner stores nothing for now
    let x: TestClient;
    try {
      Y.applyUpdate(y.doc, Y.encodeStateAsUpdate(xdoc));
      await new Promise((r) => setTimeout(r, 300));
      // B already holds X's edit, so X's sync reply carries nothing: it must still wait for the store.
      x = open(B!.wsUrl, docId, as(owner, B!.url), xdoc);
      await synced(x);
      await new Promise((r) => setTimeout(r, 300));
      expect(ackedAll(x)).toBe(false);
    } finally {
      A!.proc.kill('SIGCONT');
    }
    await waitFor(() => ackedAll(x), 'X acknowledged once its edit is stored', 20_000);
    expect(await storedText(cluster, docId)).toContain('written offline');
  });

  it('a restore made on a process that does not own the document answers only once it is stored, even with the owner paused', async () => {
    const cluster = getCluster();
    const [A, B] = cluster.nodes;
    const { docId, owner } = await newClusterDoc(A!.url);
    const a = open(A!.wsUrl, docId, owner); // A opens it first: A owns it
    await synced(a);
    a.doc.getText('t').insert(0, 'draft one');
    await waitFor(() => ackedAll(a), 'draft acknowledged', 10_000);
    const saved = await owner.client.post(`/api/docs/${docId}/versions`, { name: 'Draft' });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const onB = open(B!.wsUrl, docId, as(owner, B!.url));
    await synced(onB);

    // The owner stops answering (a long GC pause, a frozen VM): B must not answer before the restore is
    // stored, so it waits for A's lease to expire, takes over and stores it itself.
    A!.proc.kill('SIGSTOP');
    const before = Y.encodeStateVector(onB.doc);
    try {
      const restored = await as(owner, B!.url).client.post(`/api/docs/${docId}/versions/${saved.body.version.id}/restore`);
      expect(restored.status, JSON.stringify(restored.body)).toBe(200);
      const stored = Y.encodeStateVector(await storedDoc(cluster, docId));
      await waitFor(() => !covers(before, onB.doc), 'the restore reaches the client on B');
      expect(covers(stored, onB.doc)).toBe(true);
    } finally {
      A!.proc.kill('SIGCONT');
    }
    // A wakes up as a stale owner: its writes are refused, and the store still holds what B stored.
    onB.doc.getText('t').insert(0, 'after the pause: ');
    await waitFor(() => ackedAll(onB), 'acknowledged by the new owner', 15_000);
    expect(await storedText(cluster, docId)).toBe(onB.doc.getText('t').toString());
  });
});
