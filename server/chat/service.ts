/**
 * What every discussion command receives: the app context, the chat repository, the broadcaster (bound
 * to Socket.IO once the server is attached) and the rate limits. Also the channel lookup with access
 * check that every command starts with.
 */
import type { ServerToClientEvents } from '../../shared/events';
import { accessSpace, type SpaceAccess } from '../commands/access';
import type { Ctx } from '../context';
import { notFound } from '../errors';
import type { Action } from '../policies';
import type { IoServer } from '../realtime/io';
import { spaceRoom, userRoom } from '../realtime/io';
import type { ChannelRecord } from '../repos';
import { createTokenBuckets, type TokenBucketOptions, type TokenBuckets } from './rate';
import type { ChatRepo } from './records';

type Args<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>;

/** Sends server events to a space's room or a user's sockets; a no-op until the app is attached. */
export interface Broadcaster {
  toSpace<E extends keyof ServerToClientEvents>(spaceId: string, event: E, ...args: Args<E>): void;
  toUser<E extends keyof ServerToClientEvents>(userId: string, event: E, ...args: Args<E>): void;
  bind(io: IoServer): void;
}

/** Creates the broadcaster; events go through the typed Socket.IO server once bound. */
export function createBroadcaster(): Broadcaster {
  let io: IoServer | null = null;
  return {
    toSpace(spaceId, event, ...args) {
      io?.to(spaceRoom(spaceId)).emit(event, ...args);
    },
    toUser(userId, event, ...args) {
      io?.to(userRoom(userId)).emit(event, ...args);
    },
    bind(server) {
      io = server;
    },
  };
}

export interface ChatOptions {
  /** Messages a user may send at once, then per second (default 10 at once, then 1 per second). */
  sendRate?: TokenBucketOptions;
  /** Every other client event (typing, reactions, reads), per user. */
  eventRate?: TokenBucketOptions;
}

export interface ChatDeps {
  ctx: Ctx;
  repo: ChatRepo;
  out: Broadcaster;
  sendLimit: TokenBuckets;
  eventLimit: TokenBuckets;
  typingLimit: TokenBuckets;
  channelCache: Map<string, ChannelRecord>;
}

/** Builds the dependencies of one app's chat feature. */
export function createChatDeps(ctx: Ctx, repo: ChatRepo, opts: ChatOptions = {}): ChatDeps {
  return {
    ctx,
    repo,
    out: createBroadcaster(),
    sendLimit: createTokenBuckets(opts.sendRate ?? { burst: 10, perSecond: 1 }, ctx.now, 'You are sending messages too quickly.'),
    eventLimit: createTokenBuckets(opts.eventRate ?? { burst: 60, perSecond: 10 }, ctx.now, 'Too many actions at once.'),
    // One "is typing" relay per user and channel every 2 seconds is plenty for the typing line.
    typingLimit: createTokenBuckets({ burst: 1, perSecond: 0.5 }, ctx.now, 'Typing too often.'),
    channelCache: new Map(),
  };
}

/** A channel by id, cached (channels change only through this feature, which refreshes the cache). */
export async function channelById(deps: ChatDeps, channelId: string): Promise<ChannelRecord | null> {
  const hit = deps.channelCache.get(channelId);
  if (hit) return hit;
  const c = await deps.repo.channels.byId(channelId);
  if (c) {
    if (deps.channelCache.size > 10_000) deps.channelCache.clear();
    deps.channelCache.set(channelId, c);
  }
  return c;
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
