/**
 * Writes the user saw acknowledged survive kill -9: the real server runs as a child process on a temp
 * DATA_DIR, is SIGKILLed right after the writes, and a new process on the same DATA_DIR finds them.
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ApiClient, spawnServer, tempDir, type ChildServer } from '../helpers/server';

const dirs: string[] = [];
let child: ChildServer | null = null;

// Never inherit a MongoDB URI from the environment: this test is about the embedded store's files.
const envFor = (dataDir: string) => ({ DATA_DIR: dataDir, MONGODB_URI: '', LOG_LEVEL: 'info' });

afterEach(async () => {
  await child?.kill('SIGKILL');
  child = null;
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch {
    return true;
  }
}

describe('durability', () => {
  it('acknowledged writes and the session survive SIGKILL and a restart on the same DATA_DIR', async () => {
    const dataDir = tempDir('collab-durable-');
    dirs.push(dataDir);
    child = await spawnServer(envFor(dataDir));
    const c = new ApiClient(child.url);
    const signup = await c.post('/api/auth/signup', { email: 'durable@school.test', password: 'correct horse battery', name: 'Durable' });
    expect(signup.status).toBe(201);
    const space = await c.post('/api/spaces', { name: 'Survives kill -9', kind: 'plc', visibility: 'listed' });
    expect(space.status).toBe(201);
    const spaceId = space.body.space.id;
    const invite = await c.post(`/api/spaces/${spaceId}/invites`, { role: 'guest', maxUses: 3 });
    expect(invite.status).toBe(201);
    const code = invite.body.invite.code;
    // A burst of acknowledged writes immediately before the kill.
    const burst: string[] = [];
    for (let i = 0; i < 15; i++) {
      const r = await c.post('/api/spaces', { name: `Burst ${i}`, kind: 'lab' });
      expect(r.status).toBe(201);
      burst.push(r.body.space.id);
    }
    const renamed = await c.patch(`/api/spaces/${spaceId}`, { description: 'last write before the kill' });
    expect(renamed.status).toBe(200);

    const oldUrl = child.url;
    expect(await child.kill('SIGKILL')).toBeNull(); // killed by the signal, no clean shutdown
    expect(child.proc.signalCode).toBe('SIGKILL');
    expect(await refused(oldUrl)).toBe(true); // the server itself is gone, not just a wrapper

    child = await spawnServer(envFor(dataDir));
    const again = new ApiClient(child.url);
    again.cookie = c.cookie;
    const me = await again.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual(signup.body.user);
    const mine = await again.get('/api/spaces');
    expect(mine.body.spaces.map((s: any) => s.id).sort()).toEqual([spaceId, ...burst].sort());
    const got = await again.get(`/api/spaces/${spaceId}`);
    expect(got.body).toMatchObject({ role: 'facilitator', space: { name: 'Survives kill -9', description: 'last write before the kill' } });
    const invites = await again.get(`/api/spaces/${spaceId}/invites`);
    expect(invites.body.invites).toEqual([expect.objectContaining({ code, role: 'guest', maxUses: 3, uses: 0, revoked: false })]);
    expect((await again.get(`/api/invites/${code}`)).body.invite.status).toBe('valid');
    // And the reopened store still enforces uniqueness and accepts writes.
    expect((await new ApiClient(child.url).post('/api/auth/signup', { email: 'DURABLE@school.test', password: 'correct horse battery', name: 'Dup' })).status).toBe(409);
    const login = await new ApiClient(child.url).post('/api/auth/login', { email: 'durable@school.test', password: 'correct horse battery' });
    expect(login.status).toBe(200);
  });

  it('SIGTERM shuts down cleanly with exit code 0 and keeps the data', async () => {
    const dataDir = tempDir('collab-term-');
    dirs.push(dataDir);
    child = await spawnServer(envFor(dataDir));
    const c = new ApiClient(child.url);
    expect((await c.post('/api/auth/signup', { email: 'term@school.test', password: 'correct horse battery', name: 'Term' })).status).toBe(201);
    expect(await child.kill('SIGTERM')).toBe(0);
    expect(child.output()).toContain('shutting down');
    child = await spawnServer(envFor(dataDir));
    const again = new ApiClient(child.url);
    again.cookie = c.cookie;
    expect((await again.get('/api/me')).status).toBe(200);
  });
});
