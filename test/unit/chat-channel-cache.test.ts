/**
 * The chat channel cache (server/chat/channel-cache.ts): what another process changes reaches this one as
 * a `channel:changed` bus event (the cluster bus relays it), which drops the cached copy; a load that was
 * reading the old record meanwhile is not kept; entries expire anyway after the TTL.
 */
import { describe, expect, it } from 'vitest';
import { createBus } from '../../server/bus';
import { createChannelCache } from '../../server/chat/channel-cache';
import type { ChannelRecord } from '../../server/chat/records';

const record = (archived: boolean): ChannelRecord => ({ _id: 'c1', spaceId: 's1', name: 'general', archived, createdAt: new Date(0), createdBy: 'u1' });

function setup(ttlMs = 30_000) {
  const bus = createBus((err) => {
    throw err;
  });
  let now = 0;
  let stored = record(false);
  let loads = 0;
  const cache = createChannelCache(bus, () => now, ttlMs);
  const load = async () => {
    loads++;
    return stored;
  };
  return {
    bus,
    cache,
    load,
    loads: () => loads,
    store: (c: ChannelRecord) => (stored = c),
    advance: (ms: number) => (now += ms),
  };
}

describe('channel cache', () => {
  it('loads a channel once, then answers from memory', async () => {
    const t = setup();
    await t.cache.get('c1', t.load);
    await t.cache.get('c1', t.load);
    expect(t.loads()).toBe(1);
  });

  it('a change announced by another process drops the copy: the next read sees the change', async () => {
    const t = setup();
    expect((await t.cache.get('c1', t.load))?.archived).toBe(false);
    t.store(record(true));
    t.bus.emit('channel:changed', { channelId: 'c1' });
    expect((await t.cache.get('c1', t.load))?.archived).toBe(true);
  });

  it('a load that read the old record while the change arrived is not kept', async () => {
    const t = setup();
    let finish!: () => void;
    const slow = () => new Promise<ChannelRecord>((resolve) => (finish = () => resolve(record(false))));
    const reading = t.cache.get('c1', slow);
    t.store(record(true));
    t.bus.emit('channel:changed', { channelId: 'c1' });
    finish();
    expect((await reading)?.archived).toBe(false);
    expect((await t.cache.get('c1', t.load))?.archived).toBe(true);
  });

  it('a change made here is announced on the bus (for the relay) and cached as changed', async () => {
    const t = setup();
    const heard: string[] = [];
    t.bus.on('channel:changed', ({ channelId }) => void heard.push(channelId));
    await t.cache.get('c1', t.load);
    t.cache.set('c1', record(true));
    expect(heard).toEqual(['c1']);
    expect((await t.cache.get('c1', t.load))?.archived).toBe(true);
    expect(t.loads()).toBe(1);
  });

  it('entries expire after the TTL, so a lost invalidation heals by itself', async () => {
    const t = setup(1000);
    await t.cache.get('c1', t.load);
    t.store(record(true));
    t.advance(999);
    expect((await t.cache.get('c1', t.load))?.archived).toBe(false);
    t.advance(1);
    expect((await t.cache.get('c1', t.load))?.archived).toBe(true);
  });

  it('close stops listening', async () => {
    const t = setup();
    await t.cache.get('c1', t.load);
    t.cache.close();
    t.bus.emit('channel:changed', { channelId: 'c1' });
    await t.cache.get('c1', t.load);
    expect(t.loads()).toBe(1);
  });
});
