// `node --import <this file> server.js`: reports which packages the process loads (package-hooks.mjs),
// so a test can check what start costs.
import { register } from 'node:module';

register('./package-hooks.mjs', import.meta.url);
