/**
 * Publishing a document to the library: freeze its content, run the student-information check on
 * exactly that content, then store a new version of the document's one publication.
 */
import { LIBRARY_LIMITS, type PublishBody, type StudentInfoFinding } from '../../shared/library';
import type { TemplateId } from '../../shared/docs';
import { accessSpace } from '../commands/access';
import { AppError, conflict, invalidPayload, notFound, tooLarge } from '../errors';
import { DuplicateKeyError } from '../store/port';
import { newId } from '../ids';
import type { LibraryDeps } from './deps';
import { summariseChanges } from './diff';
import { renderState, type LibraryDocInfo } from './docs-port';
import type { PublicationRecord } from './records';
import { checkForSpace } from './watch';
import { publicationWords } from './words';

/** Loads a document and authorizes `action` in its space; an unknown or hidden document is 404. */
export async function accessDocFor(d: LibraryDeps, docId: string, userId: string | null, action: 'library.publish' | 'library.checkStudentInfo' | 'docs.read') {
  const doc = await d.docs.byId(docId);
  if (!doc) throw notFound('That document');
  const access = await accessSpace(d.ctx, doc.spaceId, userId, action).catch((err: unknown) => {
    throw err instanceof AppError && err.code === 'not_found' ? notFound('That document') : err;
  });
  return { ...access, doc };
}

type Frozen = { state: Uint8Array; markdown: string; html: string };

async function freeze(d: LibraryDeps, doc: LibraryDocInfo): Promise<Frozen> {
  const state = await d.docs.state(doc.id);
  const { markdown, html } = await renderState(state, doc.template, doc.title);
  if (markdown.length > LIBRARY_LIMITS.contentMax) throw tooLarge('This document is too large to publish.');
  return { state, markdown, html };
}

/** The on-demand check ("Check for student information") over the document as it is now. */
export async function checkDoc(d: LibraryDeps, userId: string, docId: string): Promise<StudentInfoFinding[]> {
  const { doc } = await accessDocFor(d, docId, userId, 'library.checkStudentInfo');
  const { markdown } = await freeze(d, doc);
  return checkForSpace(d, doc.spaceId, [{ where: 'content', text: markdown }]);
}

/** Who the publish dialog proposes to credit: the document's contributors, then earlier credits. */
export async function proposedAuthors(d: LibraryDeps, doc: LibraryDocInfo, publisherId: string): Promise<string[]> {
  const earlier = (await d.repo.publications.byDoc(doc.id))?.authorIds ?? [];
  return [...new Set([...(await d.docs.contributors(doc.id)), ...earlier, publisherId])];
}

/**
 * Publishes the document (a new publication, or the next version of its publication). Refuses with 409
 * and the findings when the check flags something and no reason was given; the reason is recorded.
 */
export async function publish(d: LibraryDeps, userId: string, docId: string, body: PublishBody): Promise<PublicationRecord> {
  const { doc } = await accessDocFor(d, docId, userId, 'library.publish');
  await d.writeLimiter.consume(userId);
  const authorIds = await chooseAuthors(d, doc, userId, body.authors);
  const frozen = await freeze(d, doc);
  const findings = await checkForSpace(d, doc.spaceId, [
    { where: 'summary', text: body.summary },
    { where: 'content', text: frozen.markdown },
  ]);
  if (findings.length > 0 && !body.confirmStudentInfo) {
    throw conflict('This may contain student information. Fix each spot, or confirm with a reason.', { findings });
  }
  try {
    return await store(d, doc, userId, body, authorIds, frozen, findings);
  } catch (err) {
    // Two publishes of one document at the same moment claim the same version: the later one is refused.
    if (err instanceof DuplicateKeyError) throw conflict('This document was published by someone else at the same moment. Please try again.');
    throw err;
  }
}

/** Stores the next version and the publication pointing at it (the version's id is unique per number). */
async function store(d: LibraryDeps, doc: LibraryDocInfo, userId: string, body: PublishBody, authorIds: string[], frozen: Frozen, findings: StudentInfoFinding[]): Promise<PublicationRecord> {
  const at = new Date(d.ctx.now());
  const prev = await d.repo.publications.byDoc(doc.id);
  const id = prev?._id ?? newId();
  const version = (prev?.version ?? 0) + 1;
  const before = prev ? await d.repo.versions.content(prev._id, prev.version) : null;
  await d.repo.versions.insert({
    _id: `${id}:${version}`,
    publicationId: id,
    version,
    changes: before ? summariseChanges(before.markdown, frozen.markdown) : null,
    publishedBy: userId,
    publishedAt: at,
    check: { at, findings: findings.length, kinds: [...new Set(findings.map((f) => f.kind))], confirmedBy: findings.length ? userId : null, reason: findings.length ? body.confirmStudentInfo! : null },
  }, frozen);
  const lineage = await d.repo.remixes.ofDoc(doc.id);
  const fields = {
    spaceId: doc.spaceId,
    title: doc.title,
    summary: body.summary,
    template: doc.template as TemplateId,
    subjects: body.subjects,
    grades: body.grades,
    subjectsLower: body.subjects.map((s) => s.toLowerCase()),
    gradesLower: body.grades.map((s) => s.toLowerCase()),
    license: body.license,
    visibility: body.visibility ?? prev?.visibility ?? 'signed-in',
    authorIds,
    version,
    publishedAt: at,
    withdrawn: false,
    withdrawnAt: null,
    withdrawnBy: null,
    words: publicationWords(doc.title, body.summary, ...body.subjects, ...body.grades, frozen.markdown),
  };
  if (prev) return (await d.repo.publications.update(prev._id, fields))!;
  const rec: PublicationRecord = {
    _id: id,
    docId: doc.id,
    firstPublishedAt: at,
    remixedFrom: lineage ? { publicationId: lineage.publicationId, version: lineage.version } : null,
    remixCount: 0,
    usedCount: 0,
    reviewCount: 0,
    ...fields,
  };
  try {
    await d.repo.publications.insert(rec);
  } catch (err) {
    // Another first publish of this document won the unique docId: its version stands, this one goes.
    await d.repo.versions.remove(id, version);
    throw err;
  }
  return rec;
}

/** The credited authors: those asked for, each a contributor or a member of the space; all proposed by default. */
async function chooseAuthors(d: LibraryDeps, doc: LibraryDocInfo, userId: string, asked: string[] | undefined): Promise<string[]> {
  const proposed = await proposedAuthors(d, doc, userId);
  if (!asked) return proposed;
  const members = new Set((await d.ctx.repos.memberships.ofSpace(doc.spaceId)).map((m) => m.userId));
  const bad = asked.filter((id) => !proposed.includes(id) && !members.has(id));
  if (bad.length) throw invalidPayload('Credit only contributors and members of this space.', { fields: [{ field: 'authors', message: 'not a contributor or member' }] });
  return [...new Set(asked)];
}
