/**
 * A store that keeps refusing a room's writes: the writer retries a bounded number of times, then the
 * room closes its connections with 1013 (try again later) and leaves memory; nothing that was not
 * stored was ever acknowledged, and the stock clients, reconnecting, resend it once the store recovers.
 * (It used to retry forever, with the room stuck in memory.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE_TRY_AGAIN_LATER } from '../../shared/collab';
import { UPDATES } from '../../server/collab/updateLog';
import { connect, covers, createSpaceWithOwner, insertDoc, patchCollection, startCollabServer, synced, waitFor, type CollabTestServer, type TestClient } from '../helpers/collab';

let s: CollabTestServer | null = null;
const clients: TestClient[] = [];
let failWrites = false;

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  failWrites = false;
  await s?.close();
  s = null;
});

/** Inserts into the update log throw while `failWrites` is set (a disk that filled up, a document too large). */
const wrapStore = patchCollection(UPDATES, (c) => ({
  insertOne: async (d) => {
    if (failWrites) throw new Error('injected write failure');
    return c.insertOne(d);
  },
}));

async function storedText(docId: string): Promise<string> {
  const rows = await s!.store.collection<{ _id: string; update: Uint8Array }>(UPDATES).find({ docId });
  const d = new Y.Doc();
  for (const r of rows) Y.applyUpdate(d, r.update);
  return d.getText('t').toString();
}

async function setup() {
  s = await startCollabServer({ wrapStore, collab: { writeRetry: { attempts: 3, minMs: 20, maxMs: 40 } } });
  const space = await createSpaceWithOwner(s.url);
  const docId = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
  return { space, docId };
}

function open(...args: Parameters<typeof connect>) {
  const c = connect(...args);
  clients.push(c);
  return c;
}

describe('a store that keeps failing', () => {
  it('closes the room’s connections with 1013, acknowledges nothing unstored, and the clients resend it later', async () => {
    const { space, docId } = await setup();
    const a = open(s!.wsUrl, docId, space.owner, { saved: true });
    const b = open(s!.wsUrl, docId, space.owner);
    await Promise.all([synced(a), synced(b)]);
    a.doc.getText('t').insert(0, 'kept');
    await waitFor(() => a.saved.some((sv) => covers(sv, a.doc)), 'first ack');

    failWrites = true;
    const acksBefore = a.saved.length;
    a.doc.getText('t').insert(4, ' and more');
    await waitFor(
      () => a.closes.some((e) => e.code === CLOSE_TRY_AGAIN_LATER) && b.closes.some((e) => e.code === CLOSE_TRY_AGAIN_LATER),
      'both closed with 1013',
    );
    expect(a.closes.find((e) => e.code === CLOSE_TRY_AGAIN_LATER)!.reason).toBe('store_unavailable');
    // Nothing acknowledged covers the failed edit (acks may repeat the old state on reconnect).
    expect(a.saved.slice(acksBefore).some((sv) => covers(sv, a.doc))).toBe(false);
    expect(await storedText(docId)).toBe('kept');

    // The store recovers: the stock clients reconnected on their own and resend what the new room lacks.
    failWrites = false;
    await waitFor(() => a.saved.some((sv) => covers(sv, a.doc)), 'ack after recovery', 10_000);
    expect(await storedText(docId)).toBe('kept and more');
    await waitFor(() => b.doc.getText('t').toString() === 'kept and more', 'witness converged');
  }, 20_000);

  it('a stuck room unloads: a server edit that cannot be stored rejects, and the room leaves memory', async () => {
    const { docId } = await setup();
    await s!.collab.service.edit(docId, (d) => d.getText('t').insert(0, 'stored'));
    failWrites = true;
    await expect(s!.collab.service.edit(docId, (d) => d.getText('t').insert(0, 'never '))).rejects.toThrow(/injected/);
    await waitFor(() => s!.collab.stats().rooms === 0, 'room unloaded', 2_000);
    failWrites = false;
    const d = new Y.Doc();
    Y.applyUpdate(d, await s!.collab.service.snapshot(docId));
    expect(d.getText('t').toString()).toBe('stored');
    // The next edit loads a fresh room and is stored.
    await s!.collab.service.edit(docId, (x) => x.getText('t').insert(0, 'again '));
    expect(await storedText(docId)).toBe('again stored');
  });
});
