/** Account recovery and sign-in options as a feature: its indexes and its routes under /api/auth. */
import type { Feature } from '../feature';
import { passwordResetRoutes } from './reset-routes';
import { RESET_INDEXES } from './reset-tokens';

export const accountFeature: Feature = {
  name: 'account',
  indexes: RESET_INDEXES,
  create(ctx) {
    return { routes: () => passwordResetRoutes(ctx) };
  },
};
