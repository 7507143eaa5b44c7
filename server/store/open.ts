/** Opens the store the configuration asks for: MongoDB when MONGODB_URI is set, otherwise the embedded one. */
import type { Config } from '../config';
import type { Logger } from '../logger';
import { openEmbeddedStore } from './embedded';
import type { Store } from './port';

export async function openStore(config: Pick<Config, 'mongodbUri' | 'dataDir'>, logger?: Logger): Promise<Store> {
  // The MongoDB driver is loaded only when it is used: a one-machine server saves its memory.
  if (config.mongodbUri) return (await import('./mongo')).openMongoStore(config.mongodbUri);
  return openEmbeddedStore(config.dataDir, { logger: logger?.child({ cat: 'store' }) });
}
