/**
 * The per-process cache of channel records that every discussion command starts with (access checks,
 * archived state). A change made on one process reaches every other through the `channel:changed` bus
 * event (relayed by server/cluster/bus.ts), which drops their copy; a load that was under way when the
 * change arrived is not kept (it may have read the old record). Entries also expire after `ttlMs`, so a
 * change whose relayed event was lost (Redis away for a moment) is picked up anyway.
 */
import type { Bus } from '../bus';
import type { ChannelRecord } from './records';

const MAX_ENTRIES = 10_000;

export interface ChannelCache {
  /** The cached record, or `load()`ed and cached. */
  get(channelId: string, load: () => Promise<ChannelRecord | null>): Promise<ChannelRecord | null>;
  /** A channel was created or changed here: every process drops its copy, this one keeps the new record. */
  set(channelId: string, channel: ChannelRecord): void;
  /** Stops listening to the bus. */
  close(): void;
}

/** A cache that listens to `bus` for changes made anywhere in the cluster. */
export function createChannelCache(bus: Bus, now: () => number, ttlMs = 30_000): ChannelCache {
  const entries = new Map<string, { channel: ChannelRecord; at: number }>();
  // Bumped by every invalidation; a load that started under an older epoch does not fill the cache.
  let epoch = 0;
  const put = (channelId: string, channel: ChannelRecord) => {
    if (entries.size >= MAX_ENTRIES) entries.clear();
    entries.set(channelId, { channel, at: now() });
  };
  const off = bus.on('channel:changed', ({ channelId }) => {
    epoch++;
    entries.delete(channelId);
  });
  return {
    async get(channelId, load) {
      const hit = entries.get(channelId);
      if (hit && now() - hit.at < ttlMs) return hit.channel;
      const started = epoch;
      const channel = await load();
      if (channel && started === epoch) put(channelId, channel);
      return channel;
    },
    set(channelId, channel) {
      // The local listener runs inside emit, so the fresh record is put back right after it.
      bus.emit('channel:changed', { channelId });
      put(channelId, channel);
    },
    close: off,
  };
}
