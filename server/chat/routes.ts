/** Discussion routes under /api: channels, history, threads, unread, notifications, search, moderation. */
import { Router } from 'express';
import {
  createChannelBody,
  historyQuery,
  notificationReadPayload,
  notificationsQuery,
  readBody,
  searchQuery,
  threadQuery,
  updateChannelBody,
} from '../../shared/chat';
import { idParam, parse, requireUser } from '../http/kit';
import { createChannel, listChannels, updateChannel } from './channels';
import { presentChannel } from './presenters';
import { history, listNotifications, markRead, moderationLog, readNotifications, search, thread, unreadBySpace } from './reading';
import type { ChatDeps } from './service';

/** The chat router; every route: auth -> validate -> authorize (inside the command) -> command -> present. */
export function chatRoutes(deps: ChatDeps): Router {
  const r = Router();

  r.get('/spaces/:spaceId/channels', async (req, res) => {
    const user = requireUser(req);
    res.json({ channels: await listChannels(deps, user._id, idParam(req, 'spaceId', 'That space')) });
  });

  r.post('/spaces/:spaceId/channels', async (req, res) => {
    const user = requireUser(req);
    const spaceId = idParam(req, 'spaceId', 'That space');
    const body = parse(createChannelBody, req.body);
    const channel = await createChannel(deps, user._id, spaceId, body.name);
    res.status(201).json({ channel: presentChannel(channel) });
  });

  r.patch('/channels/:channelId', async (req, res) => {
    const user = requireUser(req);
    const channelId = idParam(req, 'channelId', 'That channel');
    const body = parse(updateChannelBody, req.body);
    res.json({ channel: presentChannel(await updateChannel(deps, user._id, channelId, body)) });
  });

  r.get('/channels/:channelId/messages', async (req, res) => {
    const user = requireUser(req);
    const channelId = idParam(req, 'channelId', 'That channel');
    const q = parse(historyQuery, req.query, 'query');
    res.json(await history(deps, user._id, channelId, q));
  });

  r.post('/channels/:channelId/read', async (req, res) => {
    const user = requireUser(req);
    const channelId = idParam(req, 'channelId', 'That channel');
    const body = parse(readBody, req.body);
    res.json(await markRead(deps, user._id, channelId, body.messageId));
  });

  r.get('/messages/:messageId/thread', async (req, res) => {
    const user = requireUser(req);
    const messageId = idParam(req, 'messageId', 'That message');
    const q = parse(threadQuery, req.query, 'query');
    res.json(await thread(deps, user._id, messageId, q));
  });

  r.get('/unread', async (req, res) => {
    const user = requireUser(req);
    res.json({ spaces: await unreadBySpace(deps, user._id) });
  });

  r.get('/notifications', async (req, res) => {
    const user = requireUser(req);
    res.json(await listNotifications(deps, user._id, parse(notificationsQuery, req.query, 'query')));
  });

  r.post('/notifications/read', async (req, res) => {
    const user = requireUser(req);
    res.json(await readNotifications(deps, user._id, parse(notificationReadPayload, req.body)));
  });

  r.get('/spaces/:spaceId/search', async (req, res) => {
    const user = requireUser(req);
    const spaceId = idParam(req, 'spaceId', 'That space');
    const { q } = parse(searchQuery, req.query, 'query');
    res.json(await search(deps, user._id, spaceId, q));
  });

  r.get('/spaces/:spaceId/moderation', async (req, res) => {
    const user = requireUser(req);
    res.json({ entries: await moderationLog(deps, user._id, idParam(req, 'spaceId', 'That space')) });
  });

  return r;
}
