/**
 * In-process domain events. Commands emit; realtime layers (Socket.IO, the collab server) listen to
 * close sockets of revoked sessions and of removed members, without commands knowing about sockets.
 */
import { EventEmitter } from 'node:events';
import type { ChatNotification } from '../shared/chat';
import type { Role } from '../shared/types';

export interface BusEvents {
  /** A space was just created by `userId`; features set up what every space starts with (chat: `general`). */
  'space:created': { spaceId: string; userId: string; at: Date };
  'login:revoked': { loginId: string; userId: string };
  /** A user changed their display name; live sockets take it for what they send from now on. */
  'user:renamed': { userId: string; name: string };
  'membership:removed': { spaceId: string; userId: string };
  'membership:changed': { spaceId: string; userId: string; role: Role };
  /** A chat channel was created, renamed or (un)archived: every process drops its cached copy. */
  'channel:changed': { channelId: string };
  /** Someone asked to join a listed space (facilitators hear of it). */
  'joinRequest:created': { spaceId: string; requestId: string; userId: string; message: string };
  /** A notification was stored for `userId` (the email feature mails it at once or keeps it for the digest). */
  'notification:created': { userId: string; notification: ChatNotification };
  /**
   * An account is being deleted (its logins have ended, the user record still exists): each feature makes
   * what the person wrote show as "Former member", or erases it when `erase`, in its own records.
   */
  'user:deleted': { userId: string; spaceIds: string[]; erase: boolean };
}

export interface Bus {
  emit<K extends keyof BusEvents>(event: K, payload: BusEvents[K]): void;
  /**
   * Emits and waits for every listener, for use-cases that are not complete until the others have done
   * their part (a space is not created until it has its `general` channel). Every failure is reported;
   * the first is rethrown once all listeners have settled.
   */
  emitAndWait<K extends keyof BusEvents>(event: K, payload: BusEvents[K]): Promise<void>;
  on<K extends keyof BusEvents>(event: K, listener: (payload: BusEvents[K]) => void | Promise<void>): () => void;
}

/** Creates a bus; listeners that throw are isolated so one subsystem cannot break another. */
export function createBus(onError: (err: unknown) => void): Bus {
  const ee = new EventEmitter();
  ee.setMaxListeners(100);
  return {
    emit(event, payload) {
      for (const l of ee.listeners(event)) {
        try {
          const r = (l as (p: unknown) => unknown)(payload);
          if (r instanceof Promise) r.catch(onError);
        } catch (err) {
          onError(err);
        }
      }
    },
    async emitAndWait(event, payload) {
      const results = await Promise.allSettled(ee.listeners(event).map(async (l) => (l as (p: unknown) => unknown)(payload)));
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      for (const f of failed) onError(f.reason);
      if (failed.length) throw failed[0]!.reason;
    },
    on(event, listener) {
      ee.on(event, listener);
      return () => ee.off(event, listener);
    },
  };
}
