/**
 * What every discussion command receives: the app context, the chat repository, the realtime port it
 * broadcasts through, the docs port (title search; absent without the docs feature) and its rate limits.
 * Also the channel lookup with access check that every command starts with.
 */
import { accessSpace, type SpaceAccess } from '../commands/access';
import type { Ctx } from '../context';
import type { DocsPort } from '../docs/port';
import { notFound } from '../errors';
import type { LimitOptions, Limiter } from '../limits';
import type { Action } from '../policies';
import type { RealtimePort } from '../realtime/port';
import { createChannelCache, type ChannelCache } from './channel-cache';
import type { ChannelRecord, ChatRepo } from './records';
import { createSequencer, type Sequencer } from './sequence';

type Limit = Omit<LimitOptions, 'name' | 'message'>;

export interface ChatOptions {
  /** Messages a user may send (default 1 per second, plus a burst of 9 more per 10 seconds). */
  sendRate?: Limit;
  /** Every other discussion event (typing, reactions, reads), per user (default 10 per second, plus 50 per 5 s). */
  eventRate?: Limit;
}

export interface ChatDeps {
  ctx: Ctx;
  repo: ChatRepo;
  out: RealtimePort;
  docs: DocsPort | undefined;
  sendLimit: Limiter;
  eventLimit: Limiter;
  typingLimit: Limiter;
  channelCache: ChannelCache;
  sequencer: Sequencer;
}

/** Builds the dependencies of one app's chat feature. */
export function createChatDeps(ctx: Ctx, repo: ChatRepo, ports: { realtime: RealtimePort; docs?: DocsPort }, opts: ChatOptions = {}): ChatDeps {
  return {
    ctx,
    repo,
    out: ports.realtime,
    docs: ports.docs,
    sendLimit: ctx.limiter({
      name: 'chat-send',
      ...(opts.sendRate ?? { points: 1, duration: 1, burst: { points: 9, duration: 10 } }),
      message: 'You are sending messages too quickly.',
    }),
    eventLimit: ctx.limiter({ name: 'chat-events', ...(opts.eventRate ?? { points: 10, duration: 1, burst: { points: 50, duration: 5 } }), message: 'Too many actions at once.' }),
    // One "is typing" relay per user and channel every 2 seconds is plenty for the typing line.
    typingLimit: ctx.limiter({ name: 'chat-typing', points: 1, duration: 2 }),
    channelCache: createChannelCache(ctx.bus, ctx.now),
    sequencer: createSequencer(repo),
  };
}

/** A channel by id, cached (channels change only through this feature, which invalidates the cache everywhere). */
export function channelById(deps: ChatDeps, channelId: string): Promise<ChannelRecord | null> {
  return deps.channelCache.get(channelId, () => deps.repo.channels.byId(channelId));
}

export interface ChannelAccess extends SpaceAccess {
  channel: ChannelRecord;
}

/** Loads a channel and checks `action` in its space for `userId`; unknown channels are 404. */
export async function accessChannel(deps: ChatDeps, channelId: string, userId: string, action: Action): Promise<ChannelAccess> {
  const channel = await channelById(deps, channelId);
  if (!channel) throw notFound('That channel');
  const access = await accessSpace(deps.ctx, channel.spaceId, userId, action);
  return { ...access, channel };
}
