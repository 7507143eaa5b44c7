/** The audit trail as a feature: its indexes, its read routes and the retention sweep (hourly). */
import type { Feature } from '../feature';
import { AUDIT_INDEXES, sweepAudit } from './audit';
import { auditRoutes } from './routes';

const SWEEP_MS = 60 * 60 * 1000;

export const auditFeature: Feature = {
  name: 'audit',
  indexes: AUDIT_INDEXES,
  create(ctx) {
    const sweep = () => void sweepAudit(ctx).catch((err) => ctx.logger.error({ err }, 'audit retention sweep failed'));
    return {
      routes: () => auditRoutes(ctx),
      attach() {
        sweep();
        const timer = setInterval(sweep, SWEEP_MS);
        timer.unref();
        return { close: async () => clearInterval(timer) };
      },
    };
  },
};
