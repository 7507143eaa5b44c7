/** Opens the store the configuration asks for: MongoDB when MONGODB_URI is set, otherwise the embedded one. */
import type { Config } from '../config';
import { openEmbeddedStore } from './embedded';
import type { Store } from './port';

export async function openStore(config: Pick<Config, 'mongodbUri' | 'dataDir'>): Promise<Store> {
  if (!config.mongodbUri) return openEmbeddedStore(config.dataDir);
  // Loaded only when asked for: the MongoDB driver costs ~10 MB of memory in a server that never uses it.
  const { openMongoStore } = await import('./mongo');
  return openMongoStore(config.mongodbUri);
}
