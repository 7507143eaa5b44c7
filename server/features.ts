/** The features the app is built from; each issue's feature adds itself here. */
import type { Feature } from './feature';

export const FEATURES: Feature[] = [];
