/**
 * Copies all of Collaboratory's data from one store to another: the embedded store (a DATA_DIR) and
 * MongoDB, in either direction, or between two of the same kind.
 *
 * Usage:
 *   npm run migrate -- --from <DATA_DIR | mongodb://...> --to <DATA_DIR | mongodb://...> [--batch 500]
 *
 *   npm run migrate -- --from ./data --to 'mongodb://user:pass@db.district.example/collaboratory'
 *   npm run migrate -- --from 'mongodb://db.district.example/collaboratory' --to ./data-back
 *
 * Stop the server first (nothing must write to the source while it is copied). Every record is upserted
 * by _id, so the copy is idempotent and resumable: after an interruption, run the same command again.
 * The target gets the app's indexes (as the server would create them at start). At the end each
 * collection's counts are compared; the command exits 1 when any differ (the target held records the
 * source does not have), 0 otherwise. A DATA_DIR still holding NeDB files is imported into SQLite first.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { FEATURES } from '../server/features';
import { INDEXES } from '../server/repos';
import { copyStore } from '../server/store/copy';
import { openEmbeddedStore } from '../server/store/embedded';
import { openMongoStore } from '../server/store/mongo';
import type { Store } from '../server/store/port';

const isMongo = (where: string) => /^mongodb(\+srv)?:\/\//.test(where);
/** The URI without its password, for printing. */
const shown = (where: string) => (isMongo(where) ? where.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@') : path.resolve(where));

async function open(where: string): Promise<Store> {
  return isMongo(where) ? openMongoStore(where) : openEmbeddedStore(path.resolve(where));
}

/** The collections `where` holds: the embedded store lists its tables; for MongoDB, the database the adapter uses. */
async function collectionsOf(where: string, store: Store): Promise<string[]> {
  const listable = store as Store & { listCollections?: () => Promise<string[]> };
  if (listable.listCollections) return listable.listCollections();
  const client = new MongoClient(where);
  try {
    await client.connect();
    // The adapter's rule: the database named in the URI, else `collaboratory`.
    const named = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(where)?.[1];
    const db = client.db(named ? decodeURIComponent(named) : 'collaboratory');
    return (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => !n.startsWith('system.')).sort();
  } finally {
    await client.close();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, batch: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help || !values.from || !values.to) {
    process.stderr.write('Usage: npm run migrate -- --from <DATA_DIR | mongodb://...> --to <DATA_DIR | mongodb://...> [--batch 500]\n');
    return values.help ? 0 : 2;
  }
  const batch = values.batch ? Number(values.batch) : 500;
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) {
    process.stderr.write('--batch must be a whole number from 1 to 10000\n');
    return 2;
  }
  if (!isMongo(values.from) && !isMongo(values.to) && path.resolve(values.from) === path.resolve(values.to)) {
    process.stderr.write('--from and --to are the same directory\n');
    return 2;
  }
  const from = await open(values.from);
  const to = await open(values.to);
  try {
    const names = await collectionsOf(values.from, from);
    process.stdout.write(`Copying ${names.length} collections from ${shown(values.from)} to ${shown(values.to)}\n`);
    await to.ensureIndexes([...INDEXES, ...FEATURES.flatMap((f) => f.indexes ?? [])]);
    const report = await copyStore(from, to, names, { batch });
    for (const c of report.collections) {
      process.stdout.write(`  ${c.name}: ${c.source} in source, ${c.target} in target (${c.inserted} inserted, ${c.rewritten} rewritten, ${c.unchanged} already there)\n`);
    }
    if (report.mismatched.length) {
      process.stderr.write(`Counts differ for: ${report.mismatched.join(', ')}. The target holds records the source does not; nothing was deleted.\n`);
      return 1;
    }
    const total = report.collections.reduce((n, c) => n + c.source, 0);
    process.stdout.write(`Done: ${total} records in ${report.collections.length} collections, counts verified.\n`);
    return 0;
  } finally {
    await from.close();
    await to.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`migrate failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
