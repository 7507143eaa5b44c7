/**
 * Deleting, restoring and erasing a space. Deleting hides it at once (every lookup of the app's
 * repositories skips a deleted space, so each route answers 404), ends its members' live connections and
 * keeps every record for DELETED_SPACE_GRACE_DAYS; a facilitator of it or an administrator may restore it
 * meanwhile. After that the sweep erases it: each registered part its own collections, then the core's,
 * the space record last (so an erase cut short is found and finished by the next sweep). The audit
 * trail keeps that all of it happened.
 */
import type { Request } from 'express';
import { confirmsName, DELETED_SPACE_GRACE_DAYS, type DeletedSpace } from '../../shared/space-data';
import { isAdmin } from '../admin/admins';
import { audit } from '../audit/audit';
import { accessSpace } from '../commands/access';
import type { Ctx } from '../context';
import { forbidden, invalidPayload, notFound } from '../errors';
import type { SpaceRecord, UserRecord } from '../repos';
import type { ExportJobs } from './jobs';
import type { SpaceDataPart } from './port';
import type { ZipStore } from './zip-store';

export const GRACE_MS = DELETED_SPACE_GRACE_DAYS * 24 * 3600_000;

/** The API shape of a deleted space. */
export async function presentDeleted(ctx: Ctx, spaces: SpaceRecord[]): Promise<DeletedSpace[]> {
  const by = new Map((await ctx.repos.users.byIds(spaces.flatMap((s) => (s.deletedBy ? [s.deletedBy] : [])))).map((u) => [u._id, u]));
  return spaces.map((s) => {
    const deletedAt = s.deletedAt ?? new Date(0);
    const who = s.deletedBy ? by.get(s.deletedBy) : undefined;
    return {
      id: s._id,
      name: s.name,
      kind: s.kind,
      deletedAt: deletedAt.toISOString(),
      deletedBy: s.deletedBy ? { id: s.deletedBy, name: who?.name ?? 'Former member' } : null,
      eraseAt: new Date(deletedAt.getTime() + GRACE_MS).toISOString(),
    };
  });
}

/** Deletes a space (facilitators) once its name was typed again; its members' connections end at once. */
export async function deleteSpace(ctx: Ctx, req: Request, user: UserRecord, spaceId: string, confirmName: string): Promise<SpaceRecord> {
  const { space } = await accessSpace(ctx, spaceId, user._id, 'space.delete');
  if (!confirmsName(confirmName, space.name)) {
    throw invalidPayload('Type the name of the space to confirm.', { fields: [{ field: 'confirmName', message: 'Does not match the name of the space' }] });
  }
  const deleted = await ctx.repos.spaces.deleted.mark(space._id, user._id, new Date(ctx.now()));
  if (!deleted) throw notFound('That space');
  // The same event as a removal, for everyone: sockets leave the space's rooms and document connections
  // close (in every process of a cluster: the event is relayed).
  for (const m of await ctx.repos.memberships.ofSpace(space._id)) ctx.bus.emit('membership:removed', { spaceId: space._id, userId: m.userId });
  await audit(ctx, { req, action: 'space.deleted', spaceId: space._id, target: { type: 'space', id: space._id, label: space.name } });
  return deleted;
}

/** Brings a deleted space back within the grace period (a facilitator of it, or an administrator). */
export async function restoreSpace(ctx: Ctx, req: Request, user: UserRecord, spaceId: string): Promise<SpaceRecord> {
  const space = await ctx.repos.spaces.deleted.byId(spaceId);
  if (!space) throw notFound('That deleted space');
  const membership = await ctx.repos.memberships.get(spaceId, user._id);
  const admin = isAdmin(ctx, user);
  if (!admin && !membership) throw notFound('That deleted space');
  if (!admin && membership?.role !== 'facilitator') throw forbidden('Only facilitators of the space can restore it.');
  const restored = await ctx.repos.spaces.deleted.restore(spaceId, new Date(ctx.now() - GRACE_MS));
  if (!restored) throw notFound('That deleted space');
  await audit(ctx, { req, action: 'space.restored', spaceId, target: { type: 'space', id: spaceId, label: space.name }, details: { by: admin && !membership ? 'administrator' : 'facilitator' } });
  return restored;
}

/** Deleted spaces `user` facilitates that can still be restored. */
export async function myDeletedSpaces(ctx: Ctx, user: UserRecord): Promise<SpaceRecord[]> {
  const ids = (await ctx.repos.memberships.ofUser(user._id)).filter((m) => m.role === 'facilitator').map((m) => m.spaceId);
  if (!ids.length) return [];
  const since = ctx.now() - GRACE_MS;
  return (await ctx.repos.spaces.deleted.among(ids)).filter((s) => (s.deletedAt?.getTime() ?? 0) > since);
}

/** Every deleted space still restorable (administrators). */
export async function allDeletedSpaces(ctx: Ctx): Promise<SpaceRecord[]> {
  const since = ctx.now() - GRACE_MS;
  return (await ctx.repos.spaces.deleted.among(null)).filter((s) => (s.deletedAt?.getTime() ?? 0) > since);
}

export interface EraseDeps {
  ctx: Ctx;
  jobs: ExportJobs;
  zips: ZipStore;
  parts: () => readonly SpaceDataPart[];
}

/** Erases one deleted space from the store: every part, its exports, then the space record. */
export async function eraseSpace(d: EraseDeps, space: SpaceRecord): Promise<void> {
  for (const part of d.parts()) await part.erase?.(space._id);
  for (const job of await d.jobs.ofSpace(space._id)) {
    await d.zips.remove(job._id);
    await d.jobs.remove(job._id);
  }
  await d.ctx.repos.spaces.deleted.erase(space._id);
  await audit(d.ctx, { actor: null, action: 'space.erased', spaceId: space._id, target: { type: 'space', id: space._id, label: space.name }, details: { deletedAt: space.deletedAt?.toISOString() ?? null } });
}

/** Erases every space whose grace period has ended; one failure is logged and retried next time. */
export async function eraseDueSpaces(d: EraseDeps): Promise<number> {
  let erased = 0;
  for (const space of await d.ctx.repos.spaces.deleted.before(new Date(d.ctx.now() - GRACE_MS), 50)) {
    try {
      await eraseSpace(d, space);
      erased++;
    } catch (err) {
      d.ctx.logger.error({ err, spaceId: space._id }, 'erasing a deleted space failed');
    }
  }
  return erased;
}
