/**
 * The "stored" hook, debounced per document: after edits of a document are stored, the mounter hears
 * about it at once, then at most once per interval while edits keep landing (the last one included),
 * and once more when the document leaves memory with a call still owed.
 */
import type { Logger } from '../logger';

/** Creates the debouncer around `onStored` (which must not throw synchronously; rejections are logged). */
export function createStoredNotifier(onStored: ((docId: string, at: Date) => Promise<void>) | undefined, intervalMs: number, now: () => number, logger: Logger) {
  const entries = new Map<string, { last: number; timer: NodeJS.Timeout | null }>();
  const call = (docId: string, at: number) =>
    onStored ? onStored(docId, new Date(at)).catch((err) => logger.error({ err, docId }, 'stored hook failed')) : Promise.resolve();

  return {
    /** Edits of `docId` were stored. */
    stored(docId: string): void {
      let entry = entries.get(docId);
      if (!entry) {
        entry = { last: 0, timer: null };
        entries.set(docId, entry);
      }
      if (entry.timer) return;
      const e = entry;
      const fire = () => {
        e.timer = null;
        e.last = now();
        void call(docId, e.last);
      };
      const wait = Math.max(0, e.last + intervalMs - now());
      if (wait === 0) fire();
      else {
        e.timer = setTimeout(fire, wait);
        e.timer.unref();
      }
    },
    /** Makes an owed call now and forgets the document (it is leaving memory). */
    async settle(docId: string): Promise<void> {
      const entry = entries.get(docId);
      entries.delete(docId);
      if (!entry?.timer) return;
      clearTimeout(entry.timer);
      await call(docId, now());
    },
    /** Documents with an entry (edited through the service after their room left). */
    pending(): string[] {
      return [...entries.keys()];
    },
  };
}

export type StoredNotifier = ReturnType<typeof createStoredNotifier>;
