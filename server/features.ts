/** The features the app is built from; each issue's feature adds itself here. */
import { chatFeature } from './chat/feature';
import { docsFeature } from './docs/feature';
import type { Feature } from './feature';
import { libraryFeature } from './library/feature';
import { sessionsFeature } from './sessions/feature';

export const FEATURES: Feature[] = [docsFeature, sessionsFeature, chatFeature, libraryFeature];
