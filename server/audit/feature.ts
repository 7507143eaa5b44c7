/** The audit trail and the Administration routes as a feature: indexes, read routes, the hourly retention sweep. */
import type { Feature } from '../feature';
import { AUDIT_INDEXES, sweepAudit } from './audit';
import { auditRoutes } from './routes';
import { adminRoutes } from '../admin/routes';
import { Router } from 'express';

const SWEEP_MS = 60 * 60 * 1000;

export const auditFeature: Feature = {
  name: 'audit',
  indexes: AUDIT_INDEXES,
  create(ctx) {
    const sweep = () => void sweepAudit(ctx).catch((err) => ctx.logger.error({ err }, 'audit retention sweep failed'));
    return {
      routes: () => Router().use(auditRoutes(ctx), adminRoutes(ctx)),
      attach() {
        sweep();
        const timer = setInterval(sweep, SWEEP_MS);
        timer.unref();
        return { close: async () => clearInterval(timer) };
      },
    };
  },
};
