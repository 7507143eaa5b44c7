/**
 * The spacedata feature (issue 16, "a space's data in its owners' hands"): exporting a whole space as one
 * ZIP in the background, deleting a space (restorable for 30 days) and erasing it afterwards. It is
 * created first and provides the registry (`ports.spaceData`) where every other feature registers its
 * part: what it adds to an export and how it erases its own collections.
 *
 * One sweep, hourly and once per cluster (ctx.jobs), erases spaces whose grace period ended, removes
 * expired exports and fails exports whose process died. It also runs at start.
 */
import type { Feature } from '../feature';
import { corePart } from './core-part';
import { createExportQueue } from './export-job';
import { createExportJobs, EXPORT_INDEXES } from './jobs';
import { eraseDueSpaces } from './lifecycle';
import { createSpaceDataRegistry } from './port';
import { spaceDataRoutes } from './routes';
import { createZipStore, ZIP_CHUNK_INDEXES } from './zip-store';

export const SPACE_DATA_SWEEP_MS = 60 * 60 * 1000;
/** A queued or running export untouched this long belongs to a process that died (heartbeats are 30 s). */
const ORPHANED_AFTER_MS = 10 * 60 * 1000;

export const spaceDataFeature: Feature = {
  name: 'spacedata',
  indexes: [...EXPORT_INDEXES, ...ZIP_CHUNK_INDEXES, { collection: 'spaces', fields: { deletedAt: 1 } }],
  create(ctx) {
    const registry = createSpaceDataRegistry();
    registry.register(corePart(ctx));
    const jobs = createExportJobs(ctx.store);
    const zips = createZipStore(ctx.store);
    const deps = { ctx, jobs, zips, parts: registry.parts };
    const queue = createExportQueue(deps);

    async function failOrphaned() {
      const at = new Date(ctx.now());
      for (const job of await jobs.orphaned(new Date(at.getTime() - ORPHANED_AFTER_MS))) {
        await jobs.update(job._id, { status: 'failed', error: 'The export was interrupted. Please start it again.', updatedAt: at, finishedAt: at });
        await zips.remove(job._id);
      }
    }

    async function sweep() {
      await eraseDueSpaces(deps);
      for (const job of await jobs.expired(new Date(ctx.now()))) {
        await zips.remove(job._id);
        await jobs.remove(job._id);
      }
      await failOrphaned();
    }

    let running = false;
    const tick = () => {
      if (running) return;
      running = true;
      ctx.jobs
        .mine('space-data', SPACE_DATA_SWEEP_MS)
        .then((mine) => (mine ? sweep() : undefined))
        .catch((err) => ctx.logger.error({ err }, 'space data sweep failed'))
        .finally(() => (running = false));
    };

    return {
      provides: { spaceData: registry },
      routes: () => spaceDataRoutes({ ...deps, enqueue: queue.enqueue }),
      // Exports cut short by a crash are failed (only those untouched for ORPHANED_AFTER_MS: another live
      // process of a cluster may be running the others).
      repair: failOrphaned,
      attach() {
        tick();
        const timer = setInterval(tick, SPACE_DATA_SWEEP_MS);
        timer.unref();
        return {
          async close() {
            clearInterval(timer);
            await queue.drain();
          },
        };
      },
    };
  },
};
