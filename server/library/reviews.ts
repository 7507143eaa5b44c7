/** Reviews, "I used this", and the publishing space's moderation of reviews. */
import type { LibraryModerationEntry, Review } from '../../shared/library';
import { can } from '../../shared/policy';
import { accessSpace } from '../commands/access';
import { presentPublicUser } from '../presenters';
import { conflict, forbidden, notFound } from '../errors';
import { newSortableId } from '../ids';
import { DuplicateKeyError } from '../store/port';
import type { LibraryDeps } from './deps';
import { presentReview, usersOf } from './presenters';
import { readablePublication } from './read';

/** Adds a review (rate-limited per user); reviews close when the publication is withdrawn. */
export async function addReview(d: LibraryDeps, userId: string, publicationId: string, text: string): Promise<Review> {
  const p = await readablePublication(d, { userId, role: null }, publicationId);
  if (p.withdrawn) throw conflict('This publication was withdrawn.');
  await d.reviewLimiter.consume(userId);
  const r = { _id: newSortableId(d.ctx.now()), publicationId: p._id, authorId: userId, text, createdAt: new Date(d.ctx.now()), removedAt: null, removedBy: null };
  await d.repo.reviews.insert(r);
  await d.repo.publications.bump(p._id, 'reviewCount');
  return presentReview(r, await usersOf(d.ctx.repos, [userId]));
}

/** The publication's reviews, newest first (signed-in readers only). */
export async function listReviews(d: LibraryDeps, userId: string, publicationId: string): Promise<Review[]> {
  const p = await readablePublication(d, { userId, role: null }, publicationId);
  const list = await d.repo.reviews.list(p._id);
  const users = await usersOf(d.ctx.repos, list.map((r) => r.authorId));
  return list.map((r) => presentReview(r, users));
}

/**
 * Removes a review: its author may take it back; the publishing space's facilitators may remove any,
 * and each such removal is written to the moderation log with the text and the reason.
 */
export async function removeReview(d: LibraryDeps, userId: string, publicationId: string, reviewId: string, reason = ''): Promise<void> {
  const p = await readablePublication(d, { userId, role: null }, publicationId);
  const r = await d.repo.reviews.byId(p._id, reviewId);
  if (!r || r.removedAt) throw notFound('That review');
  const at = new Date(d.ctx.now());
  if (r.authorId !== userId) {
    const space = await d.ctx.repos.spaces.byId(p.spaceId);
    const role = (await d.ctx.repos.memberships.get(p.spaceId, userId))?.role ?? null;
    if (!space || !can({ userId, role }, 'library.moderate', space)) throw forbidden('Only the publishing space\'s facilitators can remove reviews.');
    await d.repo.moderation.insert({ _id: newSortableId(d.ctx.now()), spaceId: p.spaceId, publicationId: p._id, reviewId: r._id, action: 'review.remove', actorId: userId, authorId: r.authorId, text: r.text, reason, at });
  }
  if (await d.repo.reviews.remove(r._id, userId, at)) await d.repo.publications.bump(p._id, 'reviewCount', -1);
}

/** Marks "I used this" once per user; a second mark changes nothing. */
export async function markUsed(d: LibraryDeps, userId: string, publicationId: string): Promise<{ usedCount: number }> {
  const p = await readablePublication(d, { userId, role: null }, publicationId);
  try {
    await d.repo.uses.insert({ _id: `${p._id}:${userId}`, publicationId: p._id, userId, at: new Date(d.ctx.now()) });
    await d.repo.publications.bump(p._id, 'usedCount');
  } catch (err) {
    if (!(err instanceof DuplicateKeyError)) throw err;
  }
  return { usedCount: (await d.repo.publications.byId(p._id))?.usedCount ?? p.usedCount };
}

/** The reviews facilitators of `spaceId` removed from its publications, newest first (facilitators only). */
export async function moderationLog(d: LibraryDeps, userId: string, spaceId: string): Promise<LibraryModerationEntry[]> {
  await accessSpace(d.ctx, spaceId, userId, 'library.moderate');
  const list = await d.repo.moderation.ofSpace(spaceId);
  const users = await usersOf(d.ctx.repos, list.flatMap((m) => [m.actorId, m.authorId]));
  const pubs = new Map((await Promise.all([...new Set(list.map((m) => m.publicationId))].map((id) => d.repo.publications.byId(id)))).flatMap((p) => (p ? [[p._id, p.title] as const] : [])));
  return list.map((m) => ({
    id: m._id,
    publication: { id: m.publicationId, title: pubs.get(m.publicationId) ?? 'A removed publication' },
    actor: presentPublicUser(users.get(m.actorId), m.actorId),
    author: presentPublicUser(users.get(m.authorId), m.authorId),
    text: m.text,
    reason: m.reason,
    at: m.at.toISOString(),
  }));
}
