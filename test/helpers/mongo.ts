/**
 * MongoDB for tests. vitest.config.ts probes the server named by MONGODB_URI once and hands the result
 * to every test process as MONGODB_TEST_URI (it answered) or MONGODB_TEST_SKIP (why not). Each test
 * store gets its own database, so test files never see each other's data.
 */
import { createHash } from 'node:crypto';
import { MongoClient } from 'mongodb';

/** The server the tests may use (it answered a ping when the run started), or undefined. */
export const MONGODB_TEST_URI = process.env.MONGODB_TEST_URI || undefined;

/** Why the MongoDB tests skip, when they do. */
export const MONGODB_SKIP_REASON = MONGODB_TEST_URI ? null : process.env.MONGODB_TEST_SKIP || 'MONGODB_TEST_URI is not set';

/** Whether a test store should be MongoDB (the "integration-mongo" project sets COLLAB_TEST_STORE). */
export const MONGO_STORE_SELECTED = process.env.COLLAB_TEST_STORE === 'mongodb';

/** The same URI pointing at `dbName`, keeping credentials authenticating where they did before. */
export function withDatabase(uri: string, dbName: string): string {
  const m = uri.match(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/);
  if (!m) throw new Error('MONGODB_TEST_URI is not a mongodb:// URI');
  const [, base, oldDb, query] = m;
  const params = new URLSearchParams(query ?? '');
  if (base!.includes('@') && !params.has('authSource')) params.set('authSource', oldDb || 'admin');
  const qs = params.toString();
  return `${base}/${dbName}${qs ? `?${qs}` : ''}`;
}

/**
 * The database that stands for a test's data directory: reopening the same directory (a restart test)
 * finds the same data. Hashed because MongoDB refuses names that differ only in case, and FerretDB
 * allows only [A-Za-z0-9_-] up to 63 characters.
 */
export function databaseFor(dataDir: string): string {
  return `collab_t_${createHash('sha256').update(dataDir).digest('hex').slice(0, 20)}`;
}

/** Drops a test database (after its store is closed). */
export async function dropDatabase(dbName: string): Promise<void> {
  const client = new MongoClient(withDatabase(MONGODB_TEST_URI!, dbName));
  try {
    await client.db(dbName).dropDatabase();
  } finally {
    await client.close();
  }
}
