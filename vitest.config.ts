import { MongoClient } from 'mongodb';
import { defineConfig } from 'vitest/config';

/**
 * Resolves to null when a server answers a ping at `uri`, else to the reason the MongoDB tests skip.
 * With `required` (MONGODB_TEST_REQUIRED=1, set by .ci/run) an unreachable server is an error instead.
 */
async function probeTestMongo(uri: string | undefined, required: boolean): Promise<string | null> {
  let reason: string | null = null;
  if (!uri) {
    reason = 'MONGODB_URI is not set (run `MONGODB_URI=mongodb://127.0.0.1:PORT/ npm test`; scripts/ferretdb.sh builds and starts FerretDB)';
  } else {
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 3_000 });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
    } catch (err) {
      reason = `no MongoDB server answers at ${uri.replace(/\/\/[^@/]*@/, '//***@')}: ${(err as Error).message}`;
    } finally {
      await client.close();
    }
  }
  if (reason && required) throw new Error(`${reason} (and MONGODB_TEST_REQUIRED=1)`);
  return reason;
}

// MongoDB: the tests use the server MONGODB_URI names when it answers. The variable is taken out of the
// environment the test processes inherit: servers spawned by tests must not all land in one database.
const mongoUri = process.env.MONGODB_TEST_URI || process.env.MONGODB_URI;
delete process.env.MONGODB_URI;
delete process.env.MONGODB_TEST_URI;
const mongoSkip = await probeTestMongo(mongoUri, process.env.MONGODB_TEST_REQUIRED === '1');
if (mongoSkip) {
  process.env.MONGODB_TEST_SKIP = mongoSkip;
  console.warn(`[integration-mongo] MongoDB tests skipped: ${mongoSkip}`);
} else {
  process.env.MONGODB_TEST_URI = mongoUri;
}

/** Integration tests that also run with the store switched to MongoDB: accounts, documents, discussion, live sessions, comments, library search. */
const MONGO_INTEGRATION = [
  'accounts',
  'account-settings',
  'docs-routes',
  'docs-versions',
  'docs-large-state',
  'docs-states-crash',
  'chat-messaging',
  'chat-unread',
  'chat-isolation',
  'chat-history',
  'sessions-http',
  'sessions-live',
  'comments',
  'library',
  'email-notifications',
  'delete-account',
  'atomic-crash',
  'atomic-repair',
  'space-export',
  'space-delete',
].map((name) => `test/integration/${name}.test.ts`);

// expect.poll gives up after 1 s by default, which a slow, loaded CI machine outruns: the same conditions,
// with the time to reach them.
const POLL = { poll: { timeout: 10_000 } };

export default defineConfig({
  test: {
    // Vitest's default on 2 cores is ONE worker (cores - 1). Most integration files wait on sockets, child
    // processes and timers rather than compute, so three at a time keep both cores busy and the whole run
    // inside CI's budget (e2e files still run one at a time: fileParallelism below).
    maxWorkers: 3,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
          expect: POLL,
        },
      },
      {
        test: {
          name: 'integration-mongo',
          // Empty when no server answers: the reason is printed above and by the store contract suite.
          include: mongoSkip ? [] : MONGO_INTEGRATION,
          environment: 'node',
          env: { COLLAB_TEST_STORE: 'mongodb' },
          testTimeout: 30_000,
          hookTimeout: 30_000,
          expect: POLL,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
          expect: POLL,
          fileParallelism: false,
        },
      },
    ],
  },
});
