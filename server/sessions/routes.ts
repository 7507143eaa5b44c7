/** HTTP routes of live sessions (CONTRACT.md "Live sessions"): auth -> validate -> command -> present. */
import { Router } from 'express';
import { PROTOCOLS } from '../../shared/protocols';
import {
  actionItemsQuery,
  createActionItemBody,
  createSessionBody,
  decisionBody,
  normsBody,
  summaryQuery,
  updateActionItemBody,
  updateSessionBody,
} from '../../shared/sessions';
import { idParam, parse, requireUser } from '../http/kit';
import type { SessionCommands } from './commands';
import type { SessionsCore } from './core';
import { presentListItem } from './present';
import { buildSummary, linkBase, summaryMarkdown } from './summary';

/** Routes under /api for sessions, norms and action items. */
export function sessionRoutes(core: SessionsCore, commands: SessionCommands): Router {
  const r = Router();
  const spaceId = (req: Parameters<typeof idParam>[0]) => idParam(req, 'spaceId', 'That space');
  const sessionId = (req: Parameters<typeof idParam>[0]) => idParam(req, 'sessionId', 'That session');

  r.get('/protocols', (req, res) => {
    requireUser(req);
    res.json({ protocols: PROTOCOLS });
  });

  r.post('/spaces/:spaceId/sessions', async (req, res) => {
    const user = requireUser(req);
    const body = parse(createSessionBody, req.body);
    const session = await commands.create(user._id, spaceId(req), body);
    res.status(201).json({ session });
  });

  r.get('/spaces/:spaceId/sessions', async (req, res) => {
    const user = requireUser(req);
    const list = await commands.list(user._id, spaceId(req));
    res.json({ sessions: list.map(presentListItem) });
  });

  r.get('/sessions/:sessionId', async (req, res) => {
    const user = requireUser(req);
    res.json(await commands.detail(user._id, sessionId(req)));
  });

  r.patch('/sessions/:sessionId', async (req, res) => {
    const user = requireUser(req);
    const body = parse(updateSessionBody, req.body);
    res.json({ session: await commands.update(user._id, sessionId(req), body) });
  });

  r.get('/sessions/:sessionId/summary', async (req, res) => {
    const user = requireUser(req);
    const q = parse(summaryQuery, req.query, 'query');
    const summary = await buildSummary(core, commands, user._id, sessionId(req));
    if (q.format === 'markdown') {
      const name = summary.session.title.replace(/[^\w.-]+/g, '-').slice(0, 60) || 'session';
      res.type('text/markdown; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="${name}-summary.md"`);
      res.send(summaryMarkdown(summary, linkBase(req)));
      return;
    }
    res.json({ summary });
  });

  r.get('/spaces/:spaceId/norms', async (req, res) => {
    const user = requireUser(req);
    res.json({ norms: await commands.norms(user._id, spaceId(req)) });
  });

  r.put('/spaces/:spaceId/norms', async (req, res) => {
    const user = requireUser(req);
    const body = parse(normsBody, req.body);
    res.json({ norms: await commands.putNorms(user._id, spaceId(req), body.norms) });
  });

  r.post('/sessions/:sessionId/decisions', async (req, res) => {
    const user = requireUser(req);
    const body = parse(decisionBody, req.body);
    res.status(201).json({ decision: await commands.addDecision(user._id, sessionId(req), body.text) });
  });

  r.post('/sessions/:sessionId/action-items', async (req, res) => {
    const user = requireUser(req);
    const body = parse(createActionItemBody, req.body);
    res.status(201).json({ actionItem: await commands.addActionItem(user._id, sessionId(req), body) });
  });

  r.get('/spaces/:spaceId/action-items', async (req, res) => {
    const user = requireUser(req);
    const q = parse(actionItemsQuery, req.query, 'query');
    res.json({ actionItems: await commands.listActionItems(user._id, spaceId(req), q.filter ?? 'all') });
  });

  r.patch('/action-items/:itemId', async (req, res) => {
    const user = requireUser(req);
    const body = parse(updateActionItemBody, req.body);
    res.json({ actionItem: await commands.updateActionItem(user._id, idParam(req, 'itemId', 'That action item'), body) });
  });

  return r;
}
