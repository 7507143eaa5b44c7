/**
 * Library routes (CONTRACT.md "Library"; the rest in docs/API.md "Library"). Each reads as a recipe.
 *   POST   /docs/:docId/publish                      -> 201 {publication}; 409 conflict {details.findings}
 *   GET    /docs/:docId/publication                  -> {publication|null, proposedAuthors, members}
 *   POST   /docs/:docId/student-info-check {}        -> {findings}
 *   GET    /docs/:docId/lineage                      -> {remixedFrom}
 *   GET    /library?q&subject&grade&template&license&sort&page&pageSize -> {publications, total, page, pageSize}
 *   GET    /library/:id                              -> PublicationDetail (anonymous: public ones only)
 *   GET    /library/:id/export?format=markdown|html  -> the frozen content as a file
 *   POST   /library/:id/remix {spaceId}              -> 201 {doc: {id}}
 *   DELETE /library/:id                              -> 204 (withdrawn)
 *   GET|POST /library/:id/reviews, DELETE /library/:id/reviews/:reviewId, POST /library/:id/used
 *   GET|PUT /spaces/:spaceId/names-to-watch          -> {count, updatedAt} (never the names)
 *   GET    /spaces/:spaceId/library-moderation       -> {entries} reviews its facilitators removed
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { libraryQuery, moderateBody, namesToWatchBody, publishBody, remixBody, reviewBody } from '../../shared/library';
import type { Actor } from '../../shared/policy';
import { emptyBody } from '../../shared/schemas';
import { idParam, parse, requireUser, userIdOf } from '../http/kit';
import { exportFilename } from '../docs/commands';
import type { LibraryDeps } from './deps';
import { presentPublication, usersOf } from './presenters';
import { accessDocFor, checkDoc, proposedAuthors, publish } from './publish';
import { docLineage, publicationDetail, searchLibrary } from './read';
import { remix, withdraw } from './remix';
import { addReview, listReviews, markUsed, moderationLog, removeReview } from './reviews';
import { namesToWatchInfo, setNamesToWatch } from './watch';

const exportQuery = z.strictObject({ format: z.enum(['markdown', 'html']) });

/** Routes under /api for the library. */
export function libraryRoutes(d: LibraryDeps): Router {
  const r = Router();
  const docId = (req: Request) => idParam(req, 'docId', 'That document');
  const pubId = (req: Request) => idParam(req, 'publicationId', 'That publication');
  const actorOf = (req: Request): Actor => {
    const id = userIdOf(req);
    return id ? { userId: id, role: null } : { userId: null, role: null };
  };
  const present = async (p: Parameters<typeof presentPublication>[0]) => presentPublication(p, await usersOf(d.ctx.repos, p.authorIds));

  r.post('/docs/:docId/publish', async (req, res) => {
    const user = requireUser(req);
    const body = parse(publishBody, req.body);
    const p = await publish(d, user._id, docId(req), body);
    res.status(201).json({ publication: await present(p) });
  });

  r.get('/docs/:docId/publication', async (req, res) => {
    const user = requireUser(req);
    const { doc } = await accessDocFor(d, docId(req), user._id, 'library.publish');
    const existing = await d.repo.publications.byDoc(doc.id);
    const proposed = await proposedAuthors(d, doc, user._id);
    const members = (await d.ctx.repos.memberships.ofSpace(doc.spaceId)).map((m) => m.userId);
    const users = await usersOf(d.ctx.repos, [...proposed, ...members]);
    const pick = (ids: string[]) => ids.flatMap((id) => (users.get(id) ? [{ id, name: users.get(id)!.name }] : []));
    res.json({ publication: existing ? await present(existing) : null, proposedAuthors: pick(proposed), members: pick(members) });
  });

  r.post('/docs/:docId/student-info-check', async (req, res) => {
    const user = requireUser(req);
    parse(emptyBody, req.body);
    res.json({ findings: await checkDoc(d, user._id, docId(req)) });
  });

  r.get('/docs/:docId/lineage', async (req, res) => {
    res.json(await docLineage(d, requireUser(req)._id, docId(req)));
  });

  r.get('/library', async (req, res) => {
    requireUser(req);
    res.json(await searchLibrary(d, parse(libraryQuery, req.query, 'query')));
  });

  r.get('/library/:publicationId', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(await publicationDetail(d, actorOf(req), pubId(req)));
  });

  r.get('/library/:publicationId/export', async (req, res) => {
    const { format } = parse(exportQuery, req.query, 'query');
    const detail = await publicationDetail(d, actorOf(req), pubId(req));
    const body = format === 'html' ? detail.html : detail.markdown;
    res
      .set('Content-Type', format === 'html' ? 'text/html; charset=utf-8' : 'text/markdown; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="${exportFilename(detail.publication.title, format)}"`)
      .set('Cache-Control', 'no-store')
      .send(body);
  });

  r.post('/library/:publicationId/remix', async (req, res) => {
    const user = requireUser(req);
    const { spaceId } = parse(remixBody, req.body);
    res.status(201).json({ doc: await remix(d, user._id, pubId(req), spaceId) });
  });

  r.delete('/library/:publicationId', async (req, res) => {
    await withdraw(d, requireUser(req)._id, pubId(req));
    res.status(204).end();
  });

  r.get('/library/:publicationId/reviews', async (req, res) => {
    res.json({ reviews: await listReviews(d, requireUser(req)._id, pubId(req)) });
  });

  r.post('/library/:publicationId/reviews', async (req, res) => {
    const user = requireUser(req);
    const { text } = parse(reviewBody, req.body);
    res.status(201).json({ review: await addReview(d, user._id, pubId(req), text) });
  });

  r.delete('/library/:publicationId/reviews/:reviewId', async (req, res) => {
    const user = requireUser(req);
    const { reason } = parse(moderateBody, req.body);
    await removeReview(d, user._id, pubId(req), idParam(req, 'reviewId', 'That review'), reason);
    res.status(204).end();
  });

  r.post('/library/:publicationId/used', async (req, res) => {
    const user = requireUser(req);
    parse(emptyBody, req.body);
    const out = await markUsed(d, user._id, pubId(req));
    res.json({ ...out, usedByMe: true });
  });

  r.get('/spaces/:spaceId/names-to-watch', async (req, res) => {
    res.json(await namesToWatchInfo(d, requireUser(req)._id, idParam(req, 'spaceId', 'That space')));
  });

  r.put('/spaces/:spaceId/names-to-watch', async (req, res) => {
    const user = requireUser(req);
    const { names } = parse(namesToWatchBody, req.body);
    const out = await setNamesToWatch(d, user._id, idParam(req, 'spaceId', 'That space'), names);
    res.json({ ...out, updatedAt: new Date(d.ctx.now()).toISOString() });
  });

  r.get('/spaces/:spaceId/library-moderation', async (req, res) => {
    res.json({ entries: await moderationLog(d, requireUser(req)._id, idParam(req, 'spaceId', 'That space')) });
  });

  return r;
}
