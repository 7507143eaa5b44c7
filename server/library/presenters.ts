/** Library presenters: stored records -> the public shapes of shared/library.ts. */
import type { TemplateId } from '../../shared/docs';
import type { Publication, PublicationVersion, Review } from '../../shared/library';
import { presentPublicUser } from '../presenters';
import type { UserRecord } from '../repos';
import type { PublicationRecord, PublicationVersionRecord, ReviewRecord } from './records';

/** Users by id, for presenting authors. */
export type Users = Map<string, UserRecord>;

/**
 * A publication. Only credited authors appear; whoever was left out (or published it) is named nowhere,
 * so a public page reveals no member who asked not to be credited.
 */
export const presentPublication = (p: PublicationRecord, users: Users): Publication => ({
  id: p._id,
  docId: p.docId,
  spaceId: p.spaceId,
  title: p.title,
  summary: p.summary,
  template: p.template as TemplateId,
  subjects: p.subjects,
  grades: p.grades,
  license: p.license,
  visibility: p.visibility,
  authors: p.authorIds.map((id) => presentPublicUser(users.get(id), id)),
  version: p.version,
  publishedAt: p.publishedAt.toISOString(),
  remixedFrom: p.remixedFrom,
  remixCount: p.remixCount,
  usedCount: p.usedCount,
  reviewCount: p.reviewCount,
  withdrawn: p.withdrawn,
});

export const presentVersion = (v: PublicationVersionRecord): PublicationVersion => ({
  version: v.version,
  publishedAt: v.publishedAt.toISOString(),
  changes: v.changes,
});

export const presentReview = (r: ReviewRecord, users: Users): Review => ({
  id: r._id,
  publicationId: r.publicationId,
  author: presentPublicUser(users.get(r.authorId), r.authorId),
  text: r.text,
  createdAt: r.createdAt.toISOString(),
});

/** Loads the users named by `ids` once. */
export async function usersOf(repos: { users: { byIds(ids: string[]): Promise<UserRecord[]> } }, ids: string[]): Promise<Users> {
  const uniq = [...new Set(ids)];
  return new Map(uniq.length ? (await repos.users.byIds(uniq)).map((u) => [u._id, u]) : []);
}
