/**
 * Durability of the real server process (server/index.ts with every feature, one node process so the
 * signal hits the server, not a wrapper): SIGKILL the moment a
 * saved acknowledgement arrives, restart on the same data dir, and nothing acknowledged is missing.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { ApiClient, signupUser, tempDir } from '../helpers/server';
import { connect, spawnServerProcess, synced, waitFor, type ServerProcess, type TestClient } from '../helpers/collab';

let child: ServerProcess | null = null;
const clients: TestClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await child?.stop('SIGKILL');
  child = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function makeDoc(url: string): Promise<{ owner: { client: ApiClient }; docId: string }> {
  const owner = await signupUser(url, 'Owner');
  const sp = await owner.client.post('/api/spaces', { name: 'Durable PLC', kind: 'plc' });
  expect(sp.status).toBe(201);
  const doc = await owner.client.post(`/api/spaces/${sp.body.space.id}/docs`, { title: 'Notes', template: 'blank' });
  expect(doc.status).toBe(201);
  return { owner, docId: doc.body.doc.id };
}

describe('durability', () => {
  it('SIGKILL right after a saved acknowledgement loses nothing acknowledged', async () => {
    const dataDir = tempDir('collab-kill-');
    dirs.push(dataDir);
    child = await spawnServerProcess({ DATA_DIR: dataDir });
    const wsUrl = child.wsUrl;
    const { owner, docId } = await makeDoc(child.url);

    const a = connect(wsUrl, docId, owner, { saved: true });
    clients.push(a);
    await synced(a);
    const text = a.doc.getText('t');
    let acked: Uint8Array | null = null;
    let keystrokes = 0;
    const proc = child.proc;
    // Kill inside the ack handler itself: no later write can sneak in before the process dies.
    a.provider.messageHandlers[100] = (_enc, dec: decoding.Decoder) => {
      const sv = decoding.readVarUint8Array(dec);
      if (acked || keystrokes < 30) return;
      acked = sv;
      proc.kill('SIGKILL');
    };
    const typing = setInterval(() => {
      if (acked) return;
      text.insert(text.length, `w${keystrokes++} `);
    }, 3);
    await waitFor(() => acked !== null, 'an acknowledgement after 30 keystrokes', 15_000);
    clearInterval(typing);
    await child.stop('SIGKILL');
    expect(child.proc.signalCode).toBe('SIGKILL');
    a.destroy();
    clients.length = 0;

    // What the acknowledgement promised: every clock up to its state vector.
    const promised = Y.decodeStateVector(acked!);
    child = await spawnServerProcess({ DATA_DIR: dataDir });
    const b = connect(child.wsUrl, docId, owner);
    clients.push(b);
    await synced(b);
    const got = Y.decodeStateVector(Y.encodeStateVector(b.doc));
    for (const [client, clock] of promised) expect(got.get(client) ?? 0).toBeGreaterThanOrEqual(clock);
    const restored = b.doc.getText('t').toString();
    expect(restored.length).toBeGreaterThan(0);
    expect(text.toString().startsWith(restored)).toBe(true);
  }, 60_000);

  it('SIGTERM flushes everything before exit', async () => {
    const dataDir = tempDir('collab-term-');
    dirs.push(dataDir);
    child = await spawnServerProcess({ DATA_DIR: dataDir });
    const { owner, docId } = await makeDoc(child.url);
    const a = connect(child.wsUrl, docId, owner);
    clients.push(a);
    await synced(a);
    const text = a.doc.getText('t');
    for (let i = 0; i < 50; i++) text.insert(text.length, `${i},`);
    // No acknowledgement asked: wait until the messages reached the server (a second client sees them all),
    // then stop it politely.
    const seen = connect(child.wsUrl, docId, owner);
    clients.push(seen);
    await waitFor(() => seen.doc.getText('t').toString() === text.toString(), 'the 50 edits on the server');
    const code = await child.stop('SIGTERM');
    expect(code).toBe(0);
    a.destroy();
    seen.destroy();
    clients.length = 0;
    child = await spawnServerProcess({ DATA_DIR: dataDir });
    const b = connect(child.wsUrl, docId, owner);
    clients.push(b);
    await synced(b);
    await waitFor(() => b.doc.getText('t').toString() === text.toString(), 'all 50 edits after SIGTERM');
  }, 60_000);
});
