/**
 * Crash safety of the multi-step writes that store whole document states in chunks (a version: chunks then
 * metadata; a compaction: chunks, snapshot record, covered updates removed, older snapshots removed): a
 * real server process SIGKILLs itself at each gap (COLLAB_CRASH_AT, server/crash.ts), the app restarts on
 * the same data, and every acknowledged edit is there, no half-made version is listed, and the chunks a
 * crash left unnamed are removed by the repair at start once they are older than its grace period (and
 * not before: they could belong to a write another process is still making).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createUpdateLog, SNAPSHOTS, STATES, UPDATES } from '../../server/collab/updateLog';
import type { Store } from '../../server/store/port';
import { BLOB_REPAIR_GRACE_MS } from '../../server/store/state-blobs';
import { connect, covers, spawnServerProcess, synced, waitFor, type ServerProcess, type TestClient } from '../helpers/collab';
import { databaseFor, MONGO_STORE_SELECTED, MONGODB_TEST_URI, withDatabase } from '../helpers/mongo';
import { ApiClient, signupUser, startServer, tempDir, type TestServer } from '../helpers/server';

const VERSION_BLOBS = 'docVersionBlobs';
const CONTENT_BLOBS = 'publicationBlobs';

/** The environment that points a spawned server at the same data as `startServer({ dataDir })`. */
function storeEnv(dataDir: string): Record<string, string> {
  const mongo: Record<string, string> = MONGO_STORE_SELECTED && MONGODB_TEST_URI ? { MONGODB_URI: withDatabase(MONGODB_TEST_URI, databaseFor(dataDir)) } : {};
  return { DATA_DIR: dataDir, ...mongo };
}

/** Chunked values no record names (heads, or generations no head points at), and pending markers. */
async function leftovers(store: Store): Promise<{ orphans: string[]; pending: number }> {
  const named: Record<string, (id: string) => Promise<boolean>> = {
    [STATES]: async (id) => Boolean((await store.collection(SNAPSHOTS).findOne({ blob: id })) ?? (await store.collection(UPDATES).findOne({ blob: id }))),
    [VERSION_BLOBS]: async (id) => Boolean(await store.collection('docVersions').findOne({ blob: id })),
    // A publication's content counts once its version is listed.
    [CONTENT_BLOBS]: async (id) => {
      const content = await store.collection<{ _id: string }>('publicationContents').findOne({ blob: id });
      return Boolean(content && (await store.collection('publicationVersions').findOne({ _id: content._id })));
    },
  };
  const orphans: string[] = [];
  let pending = 0;
  for (const [name, isNamed] of Object.entries(named)) {
    const heads = await store.collection<{ _id: string; gen: string }>(name).find({});
    for (const h of heads) if (!(await isNamed(h._id))) orphans.push(`${name} ${h._id}`);
    const current = new Set(heads.map((h) => `${h._id}/${h.gen}`));
    for (const g of await store.collection(`${name}Gens`).find({})) if (!current.has(g._id)) orphans.push(`${name}Gens ${g._id}`);
    for (const c of await store.collection<{ _id: string; blob: string; gen: string }>(`${name}Chunks`).find({})) {
      if (!current.has(`${c.blob}/${c.gen}`)) orphans.push(`${name}Chunks ${c._id}`);
    }
    pending += await store.collection(`${name}Pending`).count({});
  }
  return { orphans, pending };
}

interface Case {
  point: string;
  /** What reaches the crash point: naming a version or publishing over HTTP, or SIGTERM (closing compacts every room). */
  trigger: 'version' | 'publish' | 'shutdown';
  /** Whether the version being named is listed after the restart (its metadata was written). */
  listed: boolean;
  /** Unnamed chunked values the crash leaves (until the repair's grace period has passed). */
  orphans: number;
}

const CASES: Case[] = [
  // Inside the chunk store: chunks and their generation marker written, no head (the first put of the process).
  { point: 'chunks.put:after-chunks', trigger: 'version', listed: false, orphans: 2 },
  { point: 'version.create:after-state', trigger: 'version', listed: false, orphans: 1 },
  { point: 'version.create:after-metadata', trigger: 'version', listed: true, orphans: 0 },
  { point: 'collab.compact:after-state', trigger: 'shutdown', listed: false, orphans: 1 },
  { point: 'collab.compact:after-snapshot', trigger: 'shutdown', listed: false, orphans: 0 },
  { point: 'collab.compact:after-updates', trigger: 'shutdown', listed: false, orphans: 0 },
  { point: 'collab.compact:after-old-snapshots', trigger: 'shutdown', listed: false, orphans: 1 },
  { point: 'library.publish:after-chunks', trigger: 'publish', listed: false, orphans: 1 },
  { point: 'library.publish:after-content', trigger: 'publish', listed: false, orphans: 1 },
];

let srv: TestServer | null = null;
let child: ServerProcess | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await child?.stop('SIGKILL');
  child = null;
  await srv?.close();
  srv = null;
});

function open(wsUrl: string, docId: string, client: ApiClient): TestClient {
  const c = connect(wsUrl, docId, { client }, { saved: true });
  clients.push(c);
  return c;
}

const PUBLISH = { summary: 'Notes from the crash drill.', subjects: ['Math'], grades: ['6'], license: 'CC-BY-4.0' };

const savedAll = (c: TestClient) => waitFor(() => c.saved.length > 0 && covers(c.saved[c.saved.length - 1]!, c.doc), 'a saved acknowledgement of every edit', 15_000);
const sameLogin = (url: string, from: ApiClient) => Object.assign(new ApiClient(url), { cookie: from.cookie });

describe('SIGKILL between the steps of chunked state writes', () => {
  it.each(CASES)('$point: acknowledged edits kept, nothing half-made listed, orphans repaired', async ({ point, trigger, listed, orphans }) => {
    const dataDir = tempDir('docs-crash-');
    // A document with a first snapshot (closing compacts), so a compaction has an older one to remove.
    srv = await startServer({ dataDir });
    const owner = await signupUser(srv.url, 'Owner');
    const space = await owner.client.post('/api/spaces', { name: 'Crash PLC', kind: 'plc' });
    const docId: string = (await owner.client.post(`/api/spaces/${space.body.space.id}/docs`, { title: 'Notes', template: 'blank' })).body.doc.id;
    let c = open(srv.wsUrl, docId, owner.client);
    await synced(c);
    c.doc.getText('t').insert(0, 'first ');
    await savedAll(c);
    c.destroy();
    await srv.close({ keepData: true });
    srv = null;

    // The real process: more acknowledged edits, then the multi-step write it dies in.
    child = await spawnServerProcess({ ...storeEnv(dataDir), COLLAB_CRASH_AT: point });
    const proc = child.proc;
    const exited = new Promise<void>((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve())));
    const api = sameLogin(child.url, owner.client);
    c = open(child.wsUrl, docId, api);
    await synced(c);
    for (let i = 0; i < 20; i++) c.doc.getText('t').insert(c.doc.getText('t').length, `edit${i} `);
    await savedAll(c);
    const acked = c.doc.getText('t').toString();
    if (trigger === 'version') await api.post(`/api/docs/${docId}/versions`, { name: 'Cut short' }).catch(() => null);
    else if (trigger === 'publish') await api.post(`/api/docs/${docId}/publish`, PUBLISH).catch(() => null);
    else proc.kill('SIGTERM');
    await exited;
    expect(proc.signalCode, `the process died at ${point}`).toBe('SIGKILL');
    c.destroy();
    child = null;

    // Restart on the same data: everything acknowledged is there; the version only if its metadata was written.
    srv = await startServer({ dataDir });
    let client = sameLogin(srv.url, owner.client);
    const versions = (await client.get(`/api/docs/${docId}/versions`)).body.versions as { id: string; name: string }[];
    expect(versions.map((v) => v.name)).toEqual(listed ? ['Cut short'] : []);
    const viewVersion = async () => {
      const r = await client.get(`/api/docs/${docId}/versions/${versions[0]!.id}`);
      expect(r.status).toBe(200);
      const { docFromState } = await import('../../server/docs/content');
      expect(docFromState(Buffer.from(r.body.state, 'base64')).getText('t').toString()).toBe(acked);
    };
    if (listed) await viewVersion();
    // No publication version without its content, and none at all when the publish died.
    expect(await srv.store.collection('publicationVersions').count({})).toBe(0);
    expect((await createUpdateLog(srv.store, Date.now).load(docId)).doc.getText('t').toString()).toBe(acked);
    // Within the grace period the repair keeps what it cannot tell from a write still under way.
    expect((await leftovers(srv.store)).orphans).toHaveLength(orphans);
    c = open(srv.wsUrl, docId, client);
    await synced(c);
    expect(c.doc.getText('t').toString()).toBe(acked);
    c.destroy();
    await srv.close({ keepData: true });

    // Started after the grace period: the repair removed every unnamed chunk and settled every marker.
    srv = await startServer({ dataDir, now: () => Date.now() + BLOB_REPAIR_GRACE_MS + 60_000 });
    client = sameLogin(srv.url, owner.client);
    expect(await leftovers(srv.store)).toEqual({ orphans: [], pending: 0 });
    expect(await srv.store.collection('publicationContents').count({})).toBe(0);
    expect((await createUpdateLog(srv.store, Date.now).load(docId)).doc.getText('t').toString()).toBe(acked);
    if (listed) await viewVersion();
  }, 90_000);
});
