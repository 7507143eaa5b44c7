/**
 * Redis stopped and started again under two live server processes: /healthz says so meanwhile, and chat
 * and co-editing recover by themselves with nothing acknowledged lost. Redis refusing a document's stream
 * entries for a moment loses nothing either: each process publishes its whole state again. Needs a Redis of
 * our own (one named by REDIS_URL is shared and is not restarted or reconfigured).
 */
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { call, cid, closeSockets, connectSocket, data, next, sleep, spaceWith } from '../helpers/chat';
import { ackedAll, clusterSkipReason, storedText, useCluster, viaProcess as as } from '../helpers/cluster';
import { connect, createSpaceWithOwner, synced, waitFor, type ServerProcess, type TestClient } from '../helpers/collab';
import { ApiClient } from '../helpers/server';
import { eventually } from '../helpers/wait';

const skip = clusterSkipReason() ?? (process.env.REDIS_URL ? 'REDIS_URL names a shared Redis, which this test would have to restart' : null);
if (skip) console.warn(`[cluster-redis-restart] skipped: ${skip}`);

const clients: TestClient[] = [];
const getCluster = useCluster(2, skip, () => {
  for (const c of clients.splice(0)) c.destroy();
  closeSockets();
});

/** A new document with a client asking for saved acks on each process (its owner on A, a member on B), synced. */
async function docOnBoth(A: ServerProcess, B: ServerProcess, title: string) {
  const space = await createSpaceWithOwner(A.url);
  const created = await space.owner.client.post(`/api/spaces/${space.spaceId}/docs`, { title, template: 'blank' });
  const docId: string = created.body.doc.id;
  const member = await space.addPerson('member');
  const da = connect(A.wsUrl, docId, space.owner, { saved: true });
  const db = connect(B.wsUrl, docId, as(member, B.url), { saved: true });
  clients.push(da, db);
  await Promise.all([synced(da), synced(db)]);
  return { docId, da, db };
}

describe.skipIf(skip)('Redis restarts', () => {
  it('chat and co-editing recover with nothing acknowledged lost', async () => {
    const cluster = getCluster();
    const [A, B] = [cluster.nodes[0]!, cluster.nodes[1]!];
    const { spaceId, general, fac, people } = await spaceWith(A.url, [{ name: 'Rita Restart' }]);
    const a = await connectSocket(A.url, fac.client.cookie);
    const b = await connectSocket(B.url, people[0]!.client.cookie);
    data(await call(a, 'space:join', { spaceId }));
    data(await call(b, 'space:join', { spaceId }));

    const { docId, da, db } = await docOnBoth(A, B, 'Restart plan');
    da.doc.getText('t').insert(0, 'before ');
    await waitFor(() => db.doc.getText('t').toString() === 'before ' && ackedAll(da), 'edit before the restart');

    await cluster.redis.stop();
    // A notices the lost connection when its event loop gets to it: poll rather than a fixed wait.
    const health = () => new ApiClient(A.url).get('/healthz').then((r) => r.status);
    expect(await eventually(health, (status) => status === 503)).toBe(503);
    // Edits keep landing locally while Redis is away.
    da.doc.getText('t').insert(da.doc.getText('t').length, 'during ');
    db.doc.getText('t').insert(0, '[B] ');
    await cluster.redis.start();
    let healthy = 0;
    for (let i = 0; i < 100 && healthy !== 200; i++) {
      await sleep(150);
      healthy = (await new ApiClient(A.url).get('/healthz')).status;
    }
    expect(healthy).toBe(200);

    // Chat crosses processes again.
    const incoming = next(b, 'message:new', (p) => p.message.text === 'after the restart', 15_000);
    data(await call(a, 'message:send', { channelId: general, text: 'after the restart', clientMsgId: cid() }));
    expect((await incoming).message.text).toBe('after the restart');

    // Documents converge with every edit and both sides get acknowledged.
    da.doc.getText('t').insert(da.doc.getText('t').length, 'after');
    const t = (c: TestClient) => c.doc.getText('t').toString();
    await waitFor(() => t(da) === t(db) && t(da).includes('after') && t(da).includes('[B]') && t(da).includes('during'), 'documents converge', 20_000);
    await waitFor(() => ackedAll(da) && ackedAll(db), 'acknowledged after the restart', 20_000);
    expect(await storedText(cluster, docId)).toBe(t(da));
  });

  it('edits whose stream entries Redis refused still reach the other process: the whole state is published again', async () => {
    const cluster = getCluster();
    const [A, B] = [cluster.nodes[0]!, cluster.nodes[1]!];
    const { docId, da, db } = await docOnBoth(A, B, 'Lost entries');
    const t = (c: TestClient) => c.doc.getText('t').toString();
    da.doc.getText('t').insert(0, 'before');
    await waitFor(() => t(db) === 'before', 'the first edit crosses');

    // Redis stays up but refuses every XADD (a fault on the stream writes only: the connections stay).
    const admin = createClient({ url: cluster.redis.url });
    await admin.connect();
    try {
      await admin.sendCommand(['ACL', 'SETUSER', 'default', '-xadd']);
      db.doc.getText('t').insert(0, '[B] ');
      da.doc.getText('t').insert(t(da).length, ' [A]');
      await sleep(500); // both processes tried to publish, and were refused
      expect(t(da).includes('[B]') || t(db).includes('[A]')).toBe(false);
      await admin.sendCommand(['ACL', 'SETUSER', 'default', '+xadd']);
    } finally {
      await admin.sendCommand(['ACL', 'SETUSER', 'default', '+xadd']).catch(() => undefined);
      await admin.quit();
    }
    // Nothing more is typed: only the republished state can bring the edits across.
    await waitFor(() => t(da) === t(db) && t(da).includes('[B]') && t(da).includes('[A]'), 'both edits reach both processes', 15_000);
    await waitFor(() => ackedAll(da) && ackedAll(db), 'both edits acknowledged', 15_000);
    expect(await storedText(cluster, docId)).toBe(t(da));
  });
});
