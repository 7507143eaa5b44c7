/**
 * The fan-out seam: two apps (standing in for two processes) share one RoomFanout, as a Redis relay
 * would connect them. Edits and presence made on one reach clients of the other without any change to
 * rooms or handlers, and nothing echoes back and forth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalFanout } from '../../server/collab/fanout';
import { newId } from '../../server/ids';
import { connect, createSpaceWithOwner, startCollabServer, synced, waitFor, type CollabTestServer, type TestClient } from '../helpers/collab';

let one: CollabTestServer;
let two: CollabTestServer;
const clients: TestClient[] = [];

beforeAll(async () => {
  const fanout = createLocalFanout();
  one = await startCollabServer({ collab: { fanout } });
  two = await startCollabServer({ collab: { fanout } });
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await one.close();
  await two.close();
});

/** The same document id in both apps' stores, with a member on each side. */
async function sharedDoc() {
  const docId = newId();
  const people = [];
  for (const s of [one, two]) {
    const space = await createSpaceWithOwner(s.url);
    const at = new Date();
    await s.docs.insert({ _id: docId, spaceId: space.spaceId, title: 'Shared', template: 'blank', createdBy: space.owner.user.id, createdAt: at, updatedAt: at, archived: false });
    people.push(space.owner);
  }
  return { docId, people };
}

describe('fan-out across processes', () => {
  it('relays edits and presence between rooms of the same document', async () => {
    const { docId, people } = await sharedDoc();
    const a = connect(one.wsUrl, docId, people[0]!);
    const b = connect(two.wsUrl, docId, people[1]!);
    clients.push(a, b);
    await Promise.all([synced(a), synced(b)]);
    a.doc.getText('t').insert(0, 'from one ');
    b.doc.getText('t').insert(0, 'from two ');
    await waitFor(() => a.doc.getText('t').length === 18 && b.doc.getText('t').length === 18, 'edits relayed');
    expect(a.doc.getText('t').toString()).toBe(b.doc.getText('t').toString());

    a.provider.awareness.setLocalStateField('user', { name: 'Ada' });
    await waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ada', 'presence relayed');

    // Quiet afterwards: a relay loop would keep both rooms busy delivering the same updates.
    const before = one.collab.stats().deliveries + two.collab.stats().deliveries;
    await new Promise((r) => setTimeout(r, 200));
    expect(one.collab.stats().deliveries + two.collab.stats().deliveries).toBe(before);

    a.destroy();
    await waitFor(() => !b.provider.awareness.getStates().has(a.doc.clientID), 'presence removed across');
  });
});
