/** Account recovery, sign-in options and OpenID Connect sign-in as a feature: indexes and routes under /api/auth. */
import type { Feature } from '../feature';
import { passwordResetRoutes } from './reset-routes';
import { RESET_INDEXES } from './reset-tokens';
import { OIDC_INDEXES } from './oidc';
import { oidcRoutes } from './oidc-routes';
import { Router } from 'express';

export const accountFeature: Feature = {
  name: 'account',
  indexes: [...RESET_INDEXES, ...OIDC_INDEXES],
  create(ctx) {
    return { routes: () => Router().use(passwordResetRoutes(ctx), oidcRoutes(ctx)) };
  },
};
