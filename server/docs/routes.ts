/**
 * Docs routes (CONTRACT.md "Documents"): metadata, export and versions. Each reads as a recipe.
 *   POST  /spaces/:spaceId/docs {title, template}          -> 201 {doc}            docs.create (facilitator, member)
 *   GET   /spaces/:spaceId/docs[?archived=true]            -> {docs}               docs.list
 *   GET   /docs/:docId                                     -> {doc, role, canEdit, space:{id,name}}  docs.read
 *   PATCH /docs/:docId {title?, archived?}                 -> {doc}                docs.manage
 *   GET   /docs/:docId/export?format=markdown|html|csv[&comments=open] -> text (csv: budgets only, else 400)     docs.read
 *   GET   /docs/:docId/versions                            -> {versions} newest first (a read: no side effects)
 *   POST  /docs/:docId/versions {name}                     -> 201 {version}        docs.edit
 *   GET   /docs/:docId/versions/:versionId                 -> {version, state: base64 Y update}      docs.read
 *   POST  /docs/:docId/versions/:versionId/restore {}      -> {restored: version}  docs.edit
 * doc = {id, spaceId, title, template, createdAt, updatedAt, archived};
 * version = {id, docId, name, kind: 'named'|'auto', createdAt, createdBy: {id,name}|null}.
 */
import { Router } from 'express';
import { createDocBody, createVersionBody, exportQuery, listDocsQuery, updateDocBody } from '../../shared/docs';
import { emptyBody } from '../../shared/schemas';
import { accessSpace } from '../commands/access';
import { notFound } from '../errors';
import { can } from '../policies';
import { idParam, parse, requireUser, userIdOf } from '../http/kit';
import type { UserRecord } from '../repos';
import { accessDoc, createDoc, exportDoc, restoreVersion, saveVersion, updateDoc, type DocsDeps } from './commands';
import { presentDoc, presentVersion } from './presenters';
import { audit } from '../audit/audit';

/** Routes under /api for documents. */
export function docRoutes(d: DocsDeps): Router {
  const r = Router();
  const usersById = async (ids: string[]) =>
    new Map<string, UserRecord>((await d.ctx.repos.users.byIds([...new Set(ids)])).map((u) => [u._id, u]));
  const docId = (req: Parameters<typeof idParam>[0]) => idParam(req, 'docId', 'That document');

  r.post('/spaces/:spaceId/docs', async (req, res) => {
    const user = requireUser(req);
    const spaceId = idParam(req, 'spaceId', 'That space');
    const body = parse(createDocBody, req.body);
    const doc = await createDoc(d, user._id, spaceId, body);
    res.status(201).json({ doc: presentDoc(doc) });
  });

  r.get('/spaces/:spaceId/docs', async (req, res) => {
    const query = parse(listDocsQuery, req.query, 'query');
    const { space } = await accessSpace(d.ctx, idParam(req, 'spaceId', 'That space'), userIdOf(req), 'docs.list');
    const docs = await d.docs.ofSpace(space._id, query.archived === 'true');
    res.json({ docs: docs.map(presentDoc) });
  });

  r.get('/docs/:docId', async (req, res) => {
    const { doc, space, actor } = await accessDoc(d, docId(req), userIdOf(req), 'docs.read');
    res.json({
      doc: presentDoc(doc),
      role: actor.role,
      // An archived document takes no edits over /yjs: the editor opens read-only until it is restored.
      canEdit: can(actor, 'docs.edit', space) && !doc.archived,
      space: { id: space._id, name: space.name, currency: space.currency ?? 'USD' },
    });
  });

  r.patch('/docs/:docId', async (req, res) => {
    const user = requireUser(req);
    const id = docId(req);
    const body = parse(updateDocBody, req.body);
    const doc = await updateDoc(d, user._id, id, body);
    if (body.archived !== undefined) await audit(d.ctx, { req, action: body.archived ? 'doc.archived' : 'doc.restored', spaceId: doc.spaceId, target: { type: 'doc', id, label: doc.title } });
    res.json({ doc: presentDoc(doc) });
  });

  r.get('/docs/:docId/export', async (req, res) => {
    const id = docId(req);
    const { format, comments } = parse(exportQuery, req.query, 'query');
    const { doc } = await accessDoc(d, id, userIdOf(req), 'docs.read');
    const out = await exportDoc(d, doc, format, { comments });
    await audit(d.ctx, { req, action: 'doc.exported', spaceId: doc.spaceId, target: { type: 'doc', id, label: doc.title }, details: { format } });
    res
      .status(200)
      .set('Content-Type', out.contentType)
      .set('Content-Disposition', `attachment; filename="${out.filename}"`)
      .set('Cache-Control', 'no-store')
      .send(out.body);
  });

  r.get('/docs/:docId/versions', async (req, res) => {
    // Automatic versions come from stored edits and the sweep (auto-versions.ts), never from a read.
    const { doc } = await accessDoc(d, docId(req), userIdOf(req), 'docs.read');
    const list = await d.versions.ofDoc(doc._id);
    const users = await usersById(list.flatMap((v) => (v.createdBy ? [v.createdBy] : [])));
    res.json({ versions: list.map((v) => presentVersion(v, users)) });
  });

  r.post('/docs/:docId/versions', async (req, res) => {
    const user = requireUser(req);
    const id = docId(req);
    const body = parse(createVersionBody, req.body);
    await accessDoc(d, id, user._id, 'docs.edit');
    const v = await saveVersion(d, id, body.name, 'named', user._id);
    res.status(201).json({ version: presentVersion(v, new Map([[user._id, user]])) });
  });

  r.get('/docs/:docId/versions/:versionId', async (req, res) => {
    const { doc } = await accessDoc(d, docId(req), userIdOf(req), 'docs.read');
    const versionId = idParam(req, 'versionId', 'That version');
    const v = await d.versions.byId(doc._id, versionId);
    const state = v ? await d.versions.stateOf(doc._id, versionId) : null;
    if (!v || !state) throw notFound('That version');
    const users = await usersById(v.createdBy ? [v.createdBy] : []);
    res.json({ version: presentVersion(v, users), state: Buffer.from(state).toString('base64') });
  });

  r.post('/docs/:docId/versions/:versionId/restore', async (req, res) => {
    const user = requireUser(req);
    const id = docId(req);
    const versionId = idParam(req, 'versionId', 'That version');
    parse(emptyBody, req.body);
    const v = await restoreVersion(d, user._id, id, versionId);
    const users = await usersById(v.createdBy ? [v.createdBy] : []);
    res.json({ restored: presentVersion(v, users) });
  });

  return r;
}
