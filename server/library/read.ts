/** Reading the library: search with filters, a publication's page, a remix's lineage. */
import { LIBRARY_LIMITS, type DocLineage, type LibraryQuery, type PublicationDetail } from '../../shared/library';
import { authRequired, notFound } from '../errors';
import { can, canInLibrary, canWithdrawPublication, type Actor } from '../../shared/policy';
import type { Filter, SortSpec } from '../store/port';
import type { LibraryDeps } from './deps';
import { summariseChanges } from './diff';
import { presentPublication, presentVersion, usersOf } from './presenters';
import { accessDocFor } from './publish';
import type { PublicationRecord } from './records';
import { queryWords } from './words';

/** Searches publications still in the library; every filter is an equality the port's engines share. */
export async function searchLibrary(d: LibraryDeps, q: LibraryQuery) {
  const words = queryWords(q.q ?? '');
  const filter: Filter = {
    withdrawn: false,
    ...(q.subject ? { subjectsLower: q.subject.toLowerCase() } : {}),
    ...(q.grade ? { gradesLower: q.grade.toLowerCase() } : {}),
    ...(q.template ? { template: q.template } : {}),
    ...(q.license ? { license: q.license } : {}),
    ...(words.length ? { $and: words.map((w) => ({ words: w })) } : {}),
  };
  const sort: SortSpec = q.sort === 'most-used' ? { usedCount: -1, publishedAt: -1, _id: 1 } : { publishedAt: -1, _id: 1 };
  const size = q.pageSize ?? LIBRARY_LIMITS.pageSizeDefault;
  const page = q.page ?? 1;
  const [list, total] = await Promise.all([d.repo.publications.search(filter, sort, (page - 1) * size, size), d.repo.publications.count(filter)]);
  const users = await usersOf(d.ctx.repos, list.flatMap((p) => p.authorIds));
  return { publications: list.map((p) => presentPublication(p, users)), total, page, pageSize: size };
}

/** Loads a publication the actor may read: 401 for anonymous callers on a non-public one, 404 if unknown. */
export async function readablePublication(d: LibraryDeps, actor: Actor, id: string): Promise<PublicationRecord> {
  const p = await d.repo.publications.byId(id);
  if (!p) throw notFound('That publication');
  if (!canInLibrary(actor, 'library.read', p)) throw authRequired();
  return p;
}

/** The actor's role in the publishing space (null when none). */
async function actorIn(d: LibraryDeps, actor: Actor, spaceId: string) {
  const space = await d.ctx.repos.spaces.byId(spaceId);
  const role = actor.userId ? ((await d.ctx.repos.memberships.get(spaceId, actor.userId))?.role ?? null) : null;
  const rel: Actor = actor.userId ? { userId: actor.userId, role } : actor;
  return { space, rel };
}

/** The publication page: frozen content of the latest version (none once withdrawn), versions, lineage, rights. */
export async function publicationDetail(d: LibraryDeps, actor: Actor, id: string): Promise<PublicationDetail> {
  const p = await readablePublication(d, actor, id);
  const [latest, versions, origin, remixes] = await Promise.all([
    p.withdrawn ? null : d.repo.versions.content(p._id, p.version),
    d.repo.versions.list(p._id),
    p.remixedFrom ? d.repo.publications.byId(p.remixedFrom.publicationId) : null,
    d.repo.remixes.ofPublication(p._id),
  ]);
  const remixPubs = remixes.length ? (await d.repo.publications.byDocs(remixes.map((r) => r._id))).filter((x) => !x.withdrawn) : [];
  const users = await usersOf(d.ctx.repos, p.authorIds);
  const { space, rel } = await actorIn(d, actor, p.spaceId);
  const rules = space ?? { visibility: 'private' as const };
  return {
    publication: presentPublication(p, users),
    markdown: latest?.markdown ?? '',
    html: latest?.html ?? '',
    versions: versions.map(presentVersion),
    origin: origin ? { id: origin._id, title: origin.title, withdrawn: origin.withdrawn } : null,
    // Remixes kept inside their spaces stay private; only those published in turn are listed.
    remixes: remixPubs.filter((r) => actor.userId !== null || r.visibility === 'public').map((r) => ({ id: r._id, title: r.title })),
    usedByMe: actor.userId ? await d.repo.uses.has(p._id, actor.userId) : false,
    canWithdraw: !p.withdrawn && canWithdrawPublication(rel, rules, p.authorIds),
    canModerate: can(rel, 'library.moderate', rules),
  };
}

/** What a remixed document knows of its original: the version it copied, the latest, and what changed since. */
export async function docLineage(d: LibraryDeps, userId: string | null, docId: string): Promise<DocLineage> {
  await accessDocFor(d, docId, userId, 'docs.read');
  const r = await d.repo.remixes.ofDoc(docId);
  const orig = r ? await d.repo.publications.byId(r.publicationId) : null;
  if (!r || !orig) return { remixedFrom: null };
  let changes = null;
  if (!orig.withdrawn && orig.version > r.version) {
    const [a, b] = await Promise.all([d.repo.versions.content(orig._id, r.version), d.repo.versions.content(orig._id, orig.version)]);
    if (a && b) changes = summariseChanges(a.markdown, b.markdown);
  }
  return { remixedFrom: { publicationId: orig._id, version: r.version, title: orig.title, latestVersion: orig.version, withdrawn: orig.withdrawn, changes } };
}
