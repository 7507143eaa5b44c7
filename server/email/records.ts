/**
 * Stored shapes of the email feature: each person's notification-email choice, the outbox of
 * notifications to mail (the record of what was mailed, so nothing is mailed twice) and the day the
 * digest last ran (claimed atomically, so a cluster sends it once a day).
 */
import type { ChatNotification } from '../../shared/chat';
import type { NotificationEmail } from '../../shared/email';
import { DuplicateKeyError, type IndexSpec, type Store } from '../store/port';

export interface EmailPrefRecord {
  /** The user id. */
  _id: string;
  notifications: NotificationEmail;
  updatedAt: Date;
}

export interface OutboxRecord {
  /** The notification's id: inserting it twice fails, so one notification is mailed at most once. */
  _id: string;
  userId: string;
  notification: ChatNotification;
  createdAt: Date;
  /** When it was mailed at once or handled by a digest; null while it waits for the digest. */
  doneAt: Date | null;
  /** True when a mail carried it (false: read before the digest, or the person chose "never" since). */
  mailed: boolean;
}

interface JobRecord {
  _id: string;
  /** The UTC day (YYYY-MM-DD) of the last run. */
  day: string;
}

export const EMAIL_INDEXES: IndexSpec[] = [
  { collection: 'emailOutbox', fields: { doneAt: 1 } },
  { collection: 'emailOutbox', fields: { userId: 1 } },
];

/** The email feature's repositories over one store. */
export function createEmailRepo(store: Store) {
  const prefs = store.collection<EmailPrefRecord>('emailPrefs');
  const outbox = store.collection<OutboxRecord>('emailOutbox');
  const jobs = store.collection<JobRecord>('emailJobs');
  return {
    prefs: {
      get: async (userId: string) => (await prefs.findOne({ _id: userId }))?.notifications ?? null,
      set: (userId: string, notifications: NotificationEmail, at: Date) => prefs.updateOne({ _id: userId }, { $set: { notifications, updatedAt: at } }, { upsert: true }),
      remove: (userId: string) => prefs.deleteOne({ _id: userId }),
    },
    outbox: {
      /** Records a notification; false when it was already recorded (the event came twice). */
      async add(r: OutboxRecord): Promise<boolean> {
        try {
          await outbox.insertOne(r);
          return true;
        } catch (err) {
          if (err instanceof DuplicateKeyError) return false;
          throw err;
        }
      },
      pending: (limit: number) => outbox.find({ doneAt: null }, { sort: { _id: 1 }, limit }),
      /** Marks waiting records handled; returns how many this call took (another run cannot take them too). */
      finish: (ids: string[], at: Date, mailed: boolean) => outbox.updateMany({ _id: { $in: ids }, doneAt: null }, { $set: { doneAt: at, mailed } }),
      purgeBefore: (before: Date) => outbox.deleteMany({ doneAt: { $lt: before } }),
      removeOf: (userId: string) => outbox.deleteMany({ userId }),
    },
    /** Claims job `name` for UTC day `day`; true for exactly one caller per day across every process. */
    async claimDay(name: string, day: string): Promise<boolean> {
      if (!(await jobs.findOne({ _id: name }))) {
        try {
          await jobs.insertOne({ _id: name, day: '' });
        } catch (err) {
          if (!(err instanceof DuplicateKeyError)) throw err;
        }
      }
      return (await jobs.findOneAndUpdate({ _id: name, day: { $ne: day } }, { $set: { day } })) !== null;
    },
  };
}

export type EmailRepo = ReturnType<typeof createEmailRepo>;
