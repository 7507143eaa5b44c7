/**
 * Repositories, written once against the storage port. Each method is one store call or a short,
 * named sequence of them; anything that spans collections lives in server/commands.
 */
import type { IndexSpec, Store } from '../store/port';
import type {
  InviteRecord,
  JoinRequestRecord,
  MembershipRecord,
  LoginRecord,
  SpaceRecord,
  UserRecord,
} from './records';

export * from './records';

/** What every reader of spaces asks for: a space still being created (see SpaceRecord.creating) is not there yet. */
export const SPACE_READY = { creating: { $exists: false } };

/** Indexes every adapter creates at boot. */
export const INDEXES: IndexSpec[] = [
  { collection: 'users', fields: { email: 1 }, unique: true },
  { collection: 'logins', fields: { userId: 1 } },
  { collection: 'logins', fields: { expiresAt: 1 }, expireAfterSeconds: 0 },
  { collection: 'spaces', fields: { visibility: 1 } },
  { collection: 'memberships', fields: { spaceId: 1, userId: 1 }, unique: true },
  { collection: 'memberships', fields: { userId: 1 } },
  { collection: 'invites', fields: { spaceId: 1 } },
  { collection: 'joinRequests', fields: { spaceId: 1, status: 1 } },
];

/** Matches spaces that are not deleted (the field is absent on spaces never deleted). */
const LIVE = { deletedAt: null };
/** What members and the directory see: ready (not being created) and not deleted. */
const VISIBLE = { ...SPACE_READY, ...LIVE };

/** Builds the repositories over one store. */
export function createRepos(store: Store) {
  const users = store.collection<UserRecord>('users');
  const logins = store.collection<LoginRecord>('logins');
  const spaces = store.collection<SpaceRecord>('spaces');
  const memberships = store.collection<MembershipRecord>('memberships');
  const invites = store.collection<InviteRecord>('invites');
  const joinRequests = store.collection<JoinRequestRecord>('joinRequests');

  return {
    users: {
      insert: (u: UserRecord) => users.insertOne(u),
      byId: (id: string) => users.findOne({ _id: id }),
      byEmail: (email: string) => users.findOne({ email: email.toLowerCase() }),
      byIds: (ids: string[]) => users.find({ _id: { $in: ids } }),
      /** Sets fields of one user; returns the user as stored afterwards, or null when it is gone. */
      update: (id: string, set: Partial<Pick<UserRecord, 'name' | 'formerNames' | 'passwordHash' | 'disabledAt'>>) => users.findOneAndUpdate({ _id: id }, { $set: set }),
    },
    logins: {
      insert: (s: LoginRecord) => logins.insertOne(s),
      byId: (id: string) => logins.findOne({ _id: id }),
      ofUser: (userId: string) => logins.find({ userId }),
      delete: (id: string) => logins.deleteOne({ _id: id }),
      deleteExpired: (now: Date) => logins.deleteMany({ expiresAt: { $lt: now } }),
    },
    // A deleted space (server/spacedata) is invisible to every lookup below: each caller then answers
    // 404 as for a space that never existed. Only `deleted` sees it, for restore and erase.
    spaces: {
      insert: (s: SpaceRecord) => spaces.insertOne(s),
      byId: (id: string) => spaces.findOne({ _id: id, ...VISIBLE }),
      byIds: (ids: string[]) => spaces.find({ _id: { $in: ids }, ...VISIBLE }, { sort: { nameLower: 1 } }),
      update: (id: string, set: Partial<SpaceRecord>) => spaces.findOneAndUpdate({ _id: id, ...VISIBLE }, { $set: set }),
      listed: (nameRegex: RegExp | null, kind: string | undefined, limit: number) =>
        spaces.find(
          { visibility: 'listed', ...VISIBLE, ...(nameRegex ? { nameLower: { $regex: nameRegex } } : {}), ...(kind ? { kind } : {}) },
          { sort: { nameLower: 1 }, limit },
        ),
      deleted: {
        /** A deleted space (null when live or gone). */
        byId: (id: string) => spaces.findOne({ _id: id, deletedAt: { $ne: null } }),
        /** Deleted spaces among `ids`, most recently deleted first (every deleted one when `ids` is null). */
        among: (ids: string[] | null, limit = 500) =>
          spaces.find({ ...(ids ? { _id: { $in: ids } } : {}), deletedAt: { $ne: null } }, { sort: { deletedAt: -1 }, limit }),
        /** Marks a live space deleted; null when it was not live (already deleted, or gone). */
        mark: (id: string, by: string, at: Date) => spaces.findOneAndUpdate({ _id: id, ...VISIBLE }, { $set: { deletedAt: at, deletedBy: by } }),
        /** Brings a space deleted after `since` back; null when there is none to restore. */
        restore: (id: string, since: Date) => spaces.findOneAndUpdate({ _id: id, deletedAt: { $gt: since } }, { $set: { deletedAt: null, deletedBy: null } }),
        /** Spaces deleted before `before` (due for erasing). */
        before: (before: Date, limit: number) => spaces.find({ deletedAt: { $ne: null, $lt: before } }, { sort: { deletedAt: 1 }, limit }),
        /** Removes the space record itself (the last step of an erase). */
        erase: (id: string) => spaces.deleteOne({ _id: id, deletedAt: { $ne: null } }),
      },
      /** Spaces whose creation was cut short (or is under way in another process). */
      creating: () => spaces.find({ creating: { $exists: true } }),
      /** The last step of creating a space: readers see it from now on. */
      created: (id: string) => spaces.updateOne({ _id: id }, { $unset: { creating: true } }),
    },
    memberships: {
      insert: (m: MembershipRecord) => memberships.insertOne(m),
      get: (spaceId: string, userId: string) => memberships.findOne({ spaceId, userId }),
      ofUser: (userId: string) => memberships.find({ userId }),
      ofSpace: (spaceId: string) => memberships.find({ spaceId }, { sort: { joinedAt: 1 } }),
      count: (spaceId: string) => memberships.count({ spaceId }),
      countRole: (spaceId: string, role: string) => memberships.count({ spaceId, role }),
      setRole: (spaceId: string, userId: string, role: string) =>
        memberships.findOneAndUpdate({ spaceId, userId }, { $set: { role } }),
      remove: (spaceId: string, userId: string) => memberships.deleteOne({ spaceId, userId }),
    },
    invites: {
      insert: (i: InviteRecord) => invites.insertOne(i),
      byCode: (code: string) => invites.findOne({ _id: code }),
      ofSpace: (spaceId: string) => invites.find({ spaceId }, { sort: { createdAt: -1 } }),
      revoke: (spaceId: string, code: string, at: Date) =>
        invites.updateOne({ _id: code, spaceId, revokedAt: null }, { $set: { revokedAt: at } }),
      /**
       * Uses one seat of the invite atomically for `userId`: matches only while it is unrevoked, unexpired and
       * not used up, so two people racing for the last seat cannot both get it. The seat is recorded in
       * `joining` in the same write, so a crash before the membership exists leaves it to be finished.
       */
      consume: (code: string, now: Date, maxUses: number | null, userId: string) =>
        invites.findOneAndUpdate(
          { _id: code, revokedAt: null, expiresAt: { $gt: now }, joining: { $ne: userId }, ...(maxUses === null ? {} : { uses: { $lt: maxUses } }) },
          { $inc: { uses: 1 }, $addToSet: { joining: userId } },
        ),
      /** The seat's membership exists: the seat is no longer in progress. */
      joined: (code: string, userId: string) => invites.updateOne({ _id: code }, { $pull: { joining: userId } }),
      /** Gives a seat back (its membership could not be written). */
      release: (code: string, userId: string) =>
        invites.updateOne({ _id: code, joining: userId, uses: { $gt: 0 } }, { $inc: { uses: -1 }, $pull: { joining: userId } }),
      /** Invites with a seat whose membership may not have been written (empty `joining` lists included). */
      withSeatsInProgress: () => invites.find({ joining: { $exists: true } }),
    },
    joinRequests: {
      insert: (r: JoinRequestRecord) => joinRequests.insertOne(r),
      byId: (id: string) => joinRequests.findOne({ _id: id }),
      pendingOf: (spaceId: string, userId: string) => joinRequests.findOne({ spaceId, userId, status: 'pending' }),
      pendingOfUser: (userId: string) => joinRequests.find({ userId, status: 'pending' }),
      pendingInSpace: (spaceId: string) => joinRequests.find({ spaceId, status: 'pending' }, { sort: { createdAt: 1 } }),
      /** Declines a request only if it is pending and no approval is under way; null otherwise. */
      decline: (id: string, by: string, at: Date) =>
        joinRequests.findOneAndUpdate({ _id: id, status: 'pending', approving: { $exists: false } }, { $set: { status: 'declined', decidedBy: by, decidedAt: at } }),
      /** The first step of approving: marks a pending request as being approved; null if it was decided already. */
      claim: (id: string, by: string, at: Date) => joinRequests.findOneAndUpdate({ _id: id, status: 'pending' }, { $set: { approving: { by, at } } }),
      /** The last step of approving (the membership exists); null if another process finished it first. */
      approve: (id: string, by: string, at: Date) =>
        joinRequests.findOneAndUpdate({ _id: id, status: 'pending' }, { $set: { status: 'approved', decidedBy: by, decidedAt: at }, $unset: { approving: true } }),
      /** Requests whose approval was cut short (or is under way in another process). */
      approving: () => joinRequests.find({ approving: { $exists: true } }),
    },
  };
}

export type Repos = ReturnType<typeof createRepos>;
