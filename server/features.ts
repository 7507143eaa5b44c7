/** The features the app is built from; each issue's feature adds itself here. */
import { accountFeature } from './auth/feature';
import { auditFeature } from './audit/feature';
import { chatFeature } from './chat/feature';
import { commentsFeature } from './comments/feature';
import { docsFeature } from './docs/feature';
import { emailFeature } from './email/feature';
import type { Feature } from './feature';
import { libraryFeature } from './library/feature';
import { sessionsFeature } from './sessions/feature';
import { spaceDataFeature } from './spacedata/feature';

// spacedata first: it provides the registry where the others register their part of a space's data.
export const FEATURES: Feature[] = [spaceDataFeature, docsFeature, sessionsFeature, chatFeature, commentsFeature, accountFeature, auditFeature, libraryFeature, emailFeature];
