/**
 * A space export when the store refuses a write (a full disk) or a read: the job ends "failed" with a message, no
 * chunk of the half-made ZIP is left, nothing is downloadable, the server stays up, and the next export
 * (the fault gone) succeeds. A slow store keeps an export running: asking again gives that one back.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../server/app';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import type { Store } from '../../server/store/port';
import { spaceWith } from '../helpers/chat';
import { patchCollection } from '../helpers/collab';
import { openTestStore, removeTestData, tempDir } from '../helpers/server';
import { exportSpace } from '../helpers/space-data';

const dataDir = tempDir();
let app: App;
let raw: Store;
let url = '';
let failWrites = false;
let failReads = false;
/** While set, chunk writes wait for it: a slow store keeps an export running. */
let slow: Promise<void> | null = null;

beforeAll(async () => {
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
  raw = await openTestStore(dataDir);
  const store = patchCollection('spaceExportChunks', (c) => ({
    insertOne: async (doc) => {
      if (failWrites) throw new Error('ENOSPC: no space left on device');
      if (slow) await slow;
      return c.insertOne(doc);
    },
  }))(
    // A part that cannot read its records (here the sessions') fails the export before the ZIP is complete.
    patchCollection('liveSessions', (c) => ({
      find: async (filter, options) => {
        if (failReads) throw new Error('connection reset');
        return c.find(filter, options);
      },
    }))(raw),
  );
  app = await createApp({ config, store, logger: createLogger(config.logLevel) });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app?.close();
  await raw?.close();
  await removeTestData(dataDir);
});

it('fails cleanly when the store refuses the ZIP, and works again afterwards', async () => {
  const { spaceId, fac } = await spaceWith(url);
  failWrites = true;
  const failed = await exportSpace(fac.client, spaceId);
  expect(failed).toMatchObject({ status: 'failed', downloadUrl: null, error: expect.stringContaining('could not be completed') });
  expect(await raw.collection('spaceExportChunks').count({ exportId: failed.id })).toBe(0);
  expect((await fac.client.get(`/api/spaces/${spaceId}/exports/${failed.id}/download`)).status).toBe(404);

  failWrites = false;
  failReads = true;
  expect(await exportSpace(fac.client, spaceId)).toMatchObject({ status: 'failed' });
  failReads = false;
  const done = await exportSpace(fac.client, spaceId);
  expect(done.status).toBe('done');
  expect((await fac.client.get(done.downloadUrl)).status).toBe(200);
});

it('gives the running export back instead of starting a second one', async () => {
  const { spaceId, fac } = await spaceWith(url);
  let release = () => {};
  slow = new Promise<void>((r) => (release = r));
  const first = await fac.client.post(`/api/spaces/${spaceId}/exports`);
  expect(first.status).toBe(202);
  const again = await fac.client.post(`/api/spaces/${spaceId}/exports`);
  expect(again.status).toBe(200);
  expect(again.body.export.id).toBe(first.body.export.id);
  slow = null;
  release();
  const status = async () => (await fac.client.get(`/api/spaces/${spaceId}/exports/${first.body.export.id}`)).body.export.status;
  await expect.poll(status, { timeout: 10_000 }).toBe('done');
  expect((await fac.client.get(`/api/spaces/${spaceId}/exports`)).body.exports).toHaveLength(1);
});
