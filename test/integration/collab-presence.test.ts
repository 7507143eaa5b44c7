/**
 * Presence on a busy document: every caret move is a presence change, and the stock y-websocket client sends
 * back every change it hears. The server relays a busy document's presence at most every PRESENCE_PACE_MS,
 * the changes of that window merged, so what each client receives (and echoes) stays bounded however many
 * people move their carets; nothing is lost: everyone ends with everyone's last state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { messageAwareness } from '../../shared/collab';
import { PRESENCE_PACE_MS } from '../../server/collab/presence';
import { connect, createSpaceWithOwner, insertDoc, startCollabServer, synced, waitFor, type CollabTestServer } from '../helpers/collab';

let s: CollabTestServer;
let space: Awaited<ReturnType<typeof createSpaceWithOwner>>;

beforeAll(async () => {
  s = await startCollabServer();
  space = await createSpaceWithOwner(s.url);
});

afterAll(async () => {
  await s?.close();
});

describe('presence on a busy document', () => {
  it('ten people moving their carets every 10 ms: a witness receives at most one presence message per pace, and the last state of each', async () => {
    const docId = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
    const movers = Array.from({ length: 10 }, () => connect(s.wsUrl, docId, space.owner));
    // The witness counts the presence messages the server sends it (raw socket: one frame, one message).
    const witness = new WebSocket(`${s.wsUrl}/yjs/${docId}`, { headers: { cookie: space.owner.client.cookie } });
    const arrivals: number[] = [];
    witness.on('message', (data: Buffer) => {
      if (data[0] === messageAwareness) arrivals.push(performance.now());
    });
    const timers: NodeJS.Timeout[] = [];
    try {
      await Promise.all([...movers.map((c) => synced(c)), new Promise((r) => witness.once('open', r))]);
      await new Promise((r) => setTimeout(r, 3 * PRESENCE_PACE_MS)); // the joins' presence has gone out
      const before = arrivals.length;
      const moves = movers.map(() => 0);
      for (const [i, c] of movers.entries()) {
        timers.push(setInterval(() => c.provider.awareness.setLocalStateField('cursor', ++moves[i]!), 10));
      }
      await new Promise((r) => setTimeout(r, 1_000));
      for (const t of timers) clearInterval(t);
      const last = moves.slice();
      // Everyone sees everyone's last caret position.
      await waitFor(
        () => movers.every((c) => movers.every((m, i) => (c.provider.awareness.getStates().get(m.doc.clientID) as { cursor?: number } | undefined)?.cursor === last[i])),
        'every last caret position arrives everywhere',
      );
      await new Promise((r) => setTimeout(r, 2 * PRESENCE_PACE_MS));
      const burst = arrivals.slice(before);
      const moved = last.reduce((a, b) => a + b, 0);
      expect(moved).toBeGreaterThan(200); // a busy document indeed (about 1,000 changes)
      // Paced: the server sends at most one message per pace, so over the span of their arrival the witness
      // got a few dozen messages for the hundreds of changes (two paces of slack for delivery jitter).
      const span = burst.at(-1)! - burst[0]!;
      expect(burst.length).toBeLessThanOrEqual(Math.floor(span / PRESENCE_PACE_MS) + 3);
      // Nobody was closed (by the rate limit or otherwise).
      expect(movers.flatMap((c) => c.closes)).toEqual([]);
    } finally {
      for (const t of timers) clearInterval(t);
      for (const c of movers) c.destroy();
      witness.close();
    }
  });
});
