/**
 * Scratch stores for adapter-level suites (store contract, chunked store): each opens a store on fresh
 * storage that can be reopened (a restart) and is removed by `cleanup`.
 */
import { rmSync } from 'node:fs';
import { openEmbeddedStore } from '../../server/store/embedded';
import { openMongoStore } from '../../server/store/mongo';
import type { Collection, Doc, Store } from '../../server/store/port';
import { afterAll, beforeAll } from 'vitest';
import { dropDatabase, MONGODB_TEST_URI, withDatabase } from './mongo';
import { tempDir } from './server';

export interface ScratchStore {
  store: Store;
  /** Closes and opens the same data again (a restart). */
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

/** A scratch store over `open` (called again by `reopen`); `remove` deletes its data after closing. */
async function scratch(open: () => Promise<Store>, remove: () => Promise<void>): Promise<ScratchStore> {
  let store = await open();
  return {
    store,
    async reopen() {
      await store.close();
      return (store = await open());
    },
    async cleanup() {
      await store.close();
      await remove();
    },
  };
}

/** The embedded store in a new temp directory. */
export function scratchEmbedded(prefix: string): Promise<ScratchStore> {
  const dir = tempDir(`collab-${prefix}-`);
  return scratch(
    () => openEmbeddedStore(dir),
    async () => rmSync(dir, { recursive: true, force: true }),
  );
}

/** The MongoDB test server (MONGODB_TEST_URI), in a database of its own that cleanup drops. */
export function scratchMongo(prefix: string): Promise<ScratchStore> {
  const dbName = `collab_${prefix}_${process.pid}_${Date.now().toString(36)}`;
  const uri = withDatabase(MONGODB_TEST_URI!, dbName);
  return scratch(
    () => openMongoStore(uri),
    () => dropDatabase(dbName),
  );
}

/** Opens a scratch store before the enclosing suite and removes it after; returns a getter for it. */
export function useScratchStore(open: () => Promise<ScratchStore>): () => Store {
  let opened: ScratchStore | undefined;
  beforeAll(async () => {
    opened = await open();
  });
  afterAll(async () => {
    await opened?.cleanup();
  });
  return () => opened!.store;
}

/**
 * `inner` as one app sees it: `wrap` may hand back a collection with some methods of its own (counting,
 * holding or slowing them: a network fault or an observation, never a fake store).
 */
export function viewOfStore(inner: Store, wrap: <T extends Doc>(name: string, c: Collection<T>) => Collection<T>): Store {
  return Object.assign(Object.create(inner) as Store, { collection: <T extends Doc>(name: string) => wrap(name, inner.collection<T>(name)) });
}

/** `c` with `methods` in place of its own (the others are still its). */
export function withMethods<T extends Doc>(c: Collection<T>, methods: Partial<Collection<T>>): Collection<T> {
  return Object.assign(Object.create(c) as Collection<T>, methods);
}
