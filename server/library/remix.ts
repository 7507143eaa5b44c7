/** Remixing a publication into a space, and withdrawing one from the library. */
import { LICENSE_LABELS } from '../../shared/library';
import type { TemplateId } from '../../shared/docs';
import { canWithdrawPublication, type Actor } from '../../shared/policy';
import { templateById, type RichNode } from '../../shared/templates';
import { conflict, forbidden, notFound } from '../errors';
import type { LibraryDeps } from './deps';
import { budgetOf, richBody } from './docs-port';
import { readablePublication } from './read';

/** "Remixed from <title> by <authors>, <license>": the first line of every remix. */
export function attributionLine(title: string, authors: string[], license: keyof typeof LICENSE_LABELS): string {
  const by = authors.length ? authors.join(', ') : 'its authors';
  return `Remixed from ${title} by ${by}, ${LICENSE_LABELS[license]}`;
}

/**
 * Copies the latest version of a publication into `spaceId` as a new document (the docs feature decides
 * whether the user may create documents there), opening with the attribution line; records the lineage.
 */
export async function remix(d: LibraryDeps, userId: string, publicationId: string, spaceId: string): Promise<{ id: string }> {
  const p = await readablePublication(d, { userId, role: null }, publicationId);
  if (p.withdrawn) throw conflict('This publication was withdrawn; it can no longer be remixed.');
  const v = await d.repo.versions.content(p._id, p.version);
  if (!v) throw notFound('That publication');
  await d.writeLimiter.consume(userId);
  const names = (await d.ctx.repos.users.byIds(p.authorIds)).map((u) => u.name);
  const attribution = attributionLine(p.title, names, p.license);
  // A budget keeps its lines and allocation and shows the attribution above them (it has no text body).
  const budget = templateById(p.template)?.kind === 'budget';
  const line: RichNode = { type: 'paragraph', content: [{ type: 'text', text: attribution, marks: [{ type: 'italic' }] }] };
  const doc = budget
    ? await d.docs.create(userId, spaceId, { title: p.title, template: p.template as TemplateId, budget: { ...(await budgetOf(v.state)), attribution } })
    : await d.docs.create(userId, spaceId, { title: p.title, template: p.template as TemplateId, body: [line, ...(await richBody(v.state))] });
  await d.repo.remixes.insert({ _id: doc.id, spaceId, publicationId: p._id, version: p.version, by: userId, at: new Date(d.ctx.now()) });
  await d.repo.publications.bump(p._id, 'remixCount');
  return doc;
}

/** Withdraws a publication: it leaves search, its page says so; remixes already made stay with their teams. */
export async function withdraw(d: LibraryDeps, userId: string, publicationId: string): Promise<void> {
  const p = await readablePublication(d, { userId, role: null }, publicationId);
  const space = await d.ctx.repos.spaces.byId(p.spaceId);
  const role = (await d.ctx.repos.memberships.get(p.spaceId, userId))?.role ?? null;
  const actor: Actor = { userId, role };
  if (!canWithdrawPublication(actor, space ?? { visibility: 'private' }, p.authorIds)) {
    throw forbidden('Only the credited authors and the space\'s facilitators can withdraw this publication.');
  }
  if (p.withdrawn) return;
  await d.repo.publications.update(p._id, { withdrawn: true, withdrawnAt: new Date(d.ctx.now()), withdrawnBy: userId });
}
