/**
 * Limits and hostile bytes at the collab endpoint: each bad connection is closed with the contract's
 * code while the document, every other client and the process carry on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { CLOSE_INVALID_MESSAGE, CLOSE_RATE_LIMITED, CLOSE_TOO_LARGE, messageAwareness, messageSync } from '../../shared/collab';
import { connect, createSpaceWithOwner, insertDoc, startCollabServer, synced, waitFor, type CollabTestServer, type TestClient } from '../helpers/collab';

const LIMIT = 64 * 1024;
let s: CollabTestServer;
let space: Awaited<ReturnType<typeof createSpaceWithOwner>>;
let docId: string;
let witness: TestClient;
let writer: TestClient;

beforeAll(async () => {
  s = await startCollabServer({ env: { YJS_MAX_MESSAGE_BYTES: String(LIMIT) }, collab: { rateLimit: { perSecond: 20, burst: 40 } } });
  space = await createSpaceWithOwner(s.url);
  docId = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
  witness = connect(s.wsUrl, docId, space.owner);
  writer = connect(s.wsUrl, docId, space.owner);
  await Promise.all([synced(witness), synced(writer)]);
  writer.doc.getText('t').insert(0, 'intact');
  await waitFor(() => witness.doc.getText('t').toString() === 'intact', 'initial text');
});

afterAll(async () => {
  witness.destroy();
  writer.destroy();
  await s.close();
});

/** Opens a raw socket as the owner; resolves with a function that waits for the close code. */
async function raw(): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(`${s.wsUrl}/yjs/${docId}`, { headers: { cookie: space.owner.client.cookie } });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', () => reject(new Error('refused')));
  });
  return { ws, closed };
}

function syncUpdate(payload: Uint8Array, sub = 2): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, messageSync);
  encoding.writeVarUint(e, sub);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

/** An awareness message announcing `count` states with client ids from `firstId` on (clock 1 each). */
function awarenessStates(firstId: number, count: number): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, count);
  for (let i = 0; i < count; i++) {
    encoding.writeVarUint(inner, firstId + i);
    encoding.writeVarUint(inner, 1);
    encoding.writeVarString(inner, '{"user":{"name":"x"}}');
  }
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, messageAwareness);
  encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
  return encoding.toUint8Array(e);
}

/** The document and the other clients still work after each hostile connection. */
async function stillHealthy(mark: string) {
  writer.doc.getText('t').insert(writer.doc.getText('t').length, mark);
  await waitFor(() => witness.doc.getText('t').toString().endsWith(mark), `healthy after ${mark}`);
  expect(witness.doc.getText('t').toString().startsWith('intact')).toBe(true);
  const res = await fetch(`${s.url}/healthz`);
  expect(res.status).toBe(200);
}

describe('hostile messages', () => {
  it('malformed bytes close with 4400', async () => {
    const { ws, closed } = await raw();
    ws.send(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect(await closed).toBe(CLOSE_INVALID_MESSAGE);
    await stillHealthy('[a]');
  });

  it('an unknown message type closes with 4400', async () => {
    const { ws, closed } = await raw();
    ws.send(new Uint8Array([42, 1, 2, 3]));
    expect(await closed).toBe(CLOSE_INVALID_MESSAGE);
  });

  it('a truncated sync message closes with 4400', async () => {
    const { ws, closed } = await raw();
    const full = syncUpdate(new Uint8Array(50).fill(1));
    ws.send(full.slice(0, 10));
    expect(await closed).toBe(CLOSE_INVALID_MESSAGE);
    await stillHealthy('[b]');
  });

  it('a truncated real update closes with 4400 and applies nothing', async () => {
    const d = new Y.Doc();
    d.getText('t').insert(0, 'half of this must not land');
    const update = Y.encodeStateAsUpdate(d);
    const { ws, closed } = await raw();
    ws.send(syncUpdate(update.slice(0, update.length - 3)));
    expect(await closed).toBe(CLOSE_INVALID_MESSAGE);
    await stillHealthy('[c]');
    expect(witness.doc.getText('t').toString()).not.toContain('half');
  });

  it('valid framing around a garbage update closes with 4400', async () => {
    const { ws, closed } = await raw();
    const garbage = new Uint8Array(200);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 256;
    ws.send(syncUpdate(garbage));
    expect(await closed).toBe(CLOSE_INVALID_MESSAGE);
    await stillHealthy('[d]');
  });

  it('a garbage state vector in sync step 1 closes with 4400', async () => {
    const { ws, closed } = await raw();
    ws.send(syncUpdate(new Uint8Array([0xff, 0xff, 0xff]), 0));
    expect(await closed).toBe(CLOSE_INVALID_MESSAGE);
  });

  it('a garbage awareness update closes with 4400', async () => {
    const { ws, closed } = await raw();
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, messageAwareness);
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, 1);
    encoding.writeVarUint(inner, 12345);
    encoding.writeVarUint(inner, 1);
    encoding.writeVarString(inner, '{not json');
    encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
    ws.send(encoding.toUint8Array(e));
    expect(await closed).toBe(CLOSE_INVALID_MESSAGE);
    await stillHealthy('[e]');
  });

  it('an awareness update announcing a flood of client ids closes with 4400', async () => {
    const { ws, closed } = await raw();
    ws.send(awarenessStates(1000, 500));
    expect(await closed).toBe(CLOSE_INVALID_MESSAGE);
    expect(witness.provider.awareness.getStates().has(1000)).toBe(false);
  });

  it('many stock clients changing their presence at once all stay: their echoes of everyone\'s presence are not a flood', async () => {
    // The stock client re-sends every presence change it hears, other people's too: one relayed batch of 24
    // changes comes back from each client as a message with 24 states (more than one connection may own).
    const room = await insertDoc(s.docs, space.spaceId, space.owner.user.id);
    const crowd = Array.from({ length: 24 }, () => connect(s.wsUrl, room, space.owner));
    try {
      await Promise.all(crowd.map((c) => synced(c)));
      for (const [i, c] of crowd.entries()) c.provider.awareness.setLocalStateField('user', { name: `Teacher ${i}` });
      await waitFor(() => crowd.every((c) => c.provider.awareness.getStates().size === crowd.length), 'everyone sees everyone');
      await new Promise((r) => setTimeout(r, 300)); // the echoes arrive and are applied
      expect(crowd.flatMap((c) => c.closes)).toEqual([]);
      expect(crowd.every((c) => c.provider.wsconnected)).toBe(true);
    } finally {
      for (const c of crowd) c.destroy();
    }
  });

  it('a connection announcing more than 16 presence states of its own closes with 4400, and none of them spread', async () => {
    const { ws, closed } = await raw();
    ws.send(awarenessStates(2000, 17));
    expect(await closed).toBe(CLOSE_INVALID_MESSAGE);
    await new Promise((r) => setTimeout(r, 100));
    expect([...witness.provider.awareness.getStates().keys()].filter((id) => id >= 2000 && id < 2017)).toEqual([]);
    await stillHealthy('[p]');
  });

  it('a text frame closes with 4400', async () => {
    const { ws, closed } = await raw();
    ws.send('hello');
    expect(await closed).toBe(CLOSE_INVALID_MESSAGE);
  });

  it('a message over the size limit closes with 4413', async () => {
    const { ws, closed } = await raw();
    ws.send(syncUpdate(new Uint8Array(LIMIT + 10)));
    expect(await closed).toBe(CLOSE_TOO_LARGE);
    await stillHealthy('[f]');
  });

  it('a far larger message also closes with 4413 (not 1009)', async () => {
    const { ws, closed } = await raw();
    ws.send(new Uint8Array(LIMIT * 8));
    expect(await closed).toBe(CLOSE_TOO_LARGE);
  });

  it('a message right at the limit is accepted', async () => {
    const { ws, closed } = await raw();
    const d = new Y.Doc();
    d.getText('big').insert(0, 'x'.repeat(LIMIT - 200));
    const msg = syncUpdate(Y.encodeStateAsUpdate(d));
    expect(msg.length).toBeLessThanOrEqual(LIMIT);
    ws.send(msg);
    await waitFor(() => witness.doc.getText('big').length === LIMIT - 200, 'big text arrives');
    ws.close();
    expect(await closed).toBe(1005);
  });

  it('flooding past the rate limit closes with 4429', async () => {
    const { ws, closed } = await raw();
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 3); // query awareness: cheap, valid
    const msg = encoding.toUint8Array(e);
    for (let i = 0; i < 200; i++) ws.send(msg);
    expect(await closed).toBe(CLOSE_RATE_LIMITED);
    await stillHealthy('[g]');
  });
});
