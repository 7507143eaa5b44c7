/**
 * The event bus across processes: the events that must reach sockets wherever they are connected (a
 * logout, a removed member, a changed role, a rename) are published on a Redis channel as well as
 * emitted here; every other process emits them to its own listeners, which act on their own sockets
 * only. Other events (a space created) stay in the process that emitted them: their listeners write to
 * the store, once.
 */
import { z } from 'zod';
import { ROLES } from '../../shared/types';
import type { Bus, BusEvents } from '../bus';
import type { Logger } from '../logger';
import type { Cluster } from './redis';

const CHANNEL = 'collab:bus';

/** The relayed events and the shape each must have when it comes back from Redis. */
const RELAYED = {
  'login:revoked': z.object({ loginId: z.string(), userId: z.string() }),
  'user:renamed': z.object({ userId: z.string(), name: z.string() }),
  'membership:removed': z.object({ spaceId: z.string(), userId: z.string() }),
  'membership:changed': z.object({ spaceId: z.string(), userId: z.string(), role: z.enum(ROLES) }),
  'channel:changed': z.object({ channelId: z.string() }),
} satisfies { [K in keyof BusEvents]?: z.ZodType<BusEvents[K]> };

const envelope = z.object({ from: z.string(), event: z.string(), payload: z.unknown() });

/** Wraps `local` so relayed events reach every process; returns the wrapped bus and its stop function. */
export async function relayBus(local: Bus, cluster: Cluster, logger: Logger): Promise<{ bus: Bus; stop(): Promise<void> }> {
  const log = logger.child({ cat: 'cluster' });
  const listener = (raw: string) => {
    try {
      const msg = envelope.parse(JSON.parse(raw));
      if (msg.from === cluster.instance) return;
      const schema = RELAYED[msg.event as keyof typeof RELAYED];
      if (!schema) return;
      local.emit(msg.event as keyof typeof RELAYED, schema.parse(msg.payload) as never);
    } catch (err) {
      log.error({ err }, 'a relayed bus event was malformed');
    }
  };
  await cluster.subscriber.subscribe(CHANNEL, listener);
  const publish = (event: string, payload: unknown) => {
    if (!(event in RELAYED)) return;
    cluster.client.publish(CHANNEL, JSON.stringify({ from: cluster.instance, event, payload })).catch((err: unknown) => log.error({ err, event }, 'relaying a bus event failed'));
  };
  const bus: Bus = {
    emit(event, payload) {
      local.emit(event, payload);
      publish(event, payload);
    },
    async emitAndWait(event, payload) {
      publish(event, payload);
      await local.emitAndWait(event, payload);
    },
    on: (event, l) => local.on(event, l),
  };
  return { bus, stop: () => cluster.subscriber.unsubscribe(CHANNEL, listener) };
}
