/**
 * In-process domain events. Commands emit; realtime layers (Socket.IO, the collab server) listen to
 * close sockets of revoked sessions and of removed members, without commands knowing about sockets.
 */
import { EventEmitter } from 'node:events';
import type { Role } from '../shared/types';

export interface BusEvents {
  'session:revoked': { sessionId: string; userId: string };
  /** A user changed their display name; live sockets take it for what they send from now on. */
  'user:renamed': { userId: string; name: string };
  'membership:removed': { spaceId: string; userId: string };
  'membership:changed': { spaceId: string; userId: string; role: Role };
  /** Someone asked to join a listed space (facilitators hear of it). */
  'joinRequest:created': { spaceId: string; requestId: string; userId: string; message: string };
}

export interface Bus {
  emit<K extends keyof BusEvents>(event: K, payload: BusEvents[K]): void;
  on<K extends keyof BusEvents>(event: K, listener: (payload: BusEvents[K]) => void): () => void;
}

/** Creates a bus; listeners that throw are isolated so one subsystem cannot break another. */
export function createBus(onError: (err: unknown) => void): Bus {
  const ee = new EventEmitter();
  ee.setMaxListeners(100);
  return {
    emit(event, payload) {
      for (const l of ee.listeners(event)) {
        try {
          (l as (p: unknown) => void)(payload);
        } catch (err) {
          onError(err);
        }
      }
    },
    on(event, listener) {
      ee.on(event, listener);
      return () => ee.off(event, listener);
    },
  };
}
