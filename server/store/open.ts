/** Opens the store the configuration asks for: MongoDB when MONGODB_URI is set, otherwise the embedded one. */
import type { Config } from '../config';
import type { Logger } from '../logger';
import { openEmbeddedStore } from './embedded';
import { openMongoStore } from './mongo';
import type { Store } from './port';

export async function openStore(config: Pick<Config, 'mongodbUri' | 'dataDir'>, logger?: Logger): Promise<Store> {
  return config.mongodbUri ? openMongoStore(config.mongodbUri) : openEmbeddedStore(config.dataDir, { logger: logger?.child({ cat: 'store' }) });
}
