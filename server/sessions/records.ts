/** Stored shapes of live sessions, their votes, decisions, action items and space norms, and their repositories. */
import type { SessionRoles, SessionStatus, SessionStep, VoteInfo, HandRaise } from '../../shared/sessions';
import type { IndexSpec, Store } from '../store/port';

/** One visit of a step: a step visited twice (previous, then next again) has two entries. */
export interface StepLogEntry {
  stepIndex: number;
  startedAt: number;
  endedAt: number | null;
  pausedMs: number;
  extendedMinutes: number;
}

/** The authoritative live state as stored (times are epoch ms on the server clock). */
export interface LiveRecord {
  status: SessionStatus;
  stepIndex: number;
  stepEndsAt: number | null;
  remainingMs: number | null;
  pausedAt: number | null;
  version: number;
  rev: number;
  startedAt: number | null;
  endedAt: number | null;
  log: StepLogEntry[];
  hands: HandRaise[];
  vote: VoteInfo | null;
}

export interface AttendanceRecord {
  userId: string;
  name: string;
  firstJoinedAt: number;
}

export interface LiveSessionRecord {
  _id: string;
  spaceId: string;
  title: string;
  protocolId: string | null;
  steps: SessionStep[];
  seriesId: string;
  seriesSeq: number;
  scheduledAt: Date | null;
  roles: SessionRoles;
  /** Absent on records written before notes were linked; read as null. */
  notesDocId?: string | null;
  createdBy: string;
  createdAt: Date;
  live: LiveRecord;
  attendance: AttendanceRecord[];
}

export interface VoteRecord {
  _id: string;
  sessionId: string;
  spaceId: string;
  question: string;
  round: number;
  openedAt: number;
  closedAt: number | null;
  ballots: { userId: string; name: string; value: number }[];
}

export interface DecisionRecord {
  _id: string;
  sessionId: string;
  spaceId: string;
  text: string;
  createdBy: string;
  createdAt: Date;
}

export interface ActionItemRecord {
  _id: string;
  spaceId: string;
  sessionId: string;
  seriesId: string;
  seriesSeq: number;
  text: string;
  ownerId: string | null;
  dueDate: string | null;
  done: boolean;
  doneAt: Date | null;
  createdBy: string;
  createdAt: Date;
}

export interface NormsRecord {
  /** The space id: one norms record per space. */
  _id: string;
  norms: string[];
  updatedBy: string;
  updatedAt: Date;
}

export const SESSION_INDEXES: IndexSpec[] = [
  { collection: 'liveSessions', fields: { spaceId: 1, createdAt: -1 } },
  // Unique: two sessions created at once in one series cannot both become "session N".
  { collection: 'liveSessions', fields: { seriesId: 1, seriesSeq: 1 }, unique: true },
  { collection: 'sessionVotes', fields: { sessionId: 1, openedAt: 1 } },
  { collection: 'sessionDecisions', fields: { sessionId: 1, createdAt: 1 } },
  { collection: 'actionItems', fields: { spaceId: 1, createdAt: -1 } },
  { collection: 'actionItems', fields: { seriesId: 1, done: 1 } },
  { collection: 'actionItems', fields: { sessionId: 1 } },
];

/** The repositories of the sessions feature over one store. */
export function createSessionRepos(store: Store) {
  const sessions = store.collection<LiveSessionRecord>('liveSessions');
  const votes = store.collection<VoteRecord>('sessionVotes');
  const decisions = store.collection<DecisionRecord>('sessionDecisions');
  const items = store.collection<ActionItemRecord>('actionItems');
  const norms = store.collection<NormsRecord>('spaceNorms');

  return {
    sessions: {
      insert: (s: LiveSessionRecord) => sessions.insertOne(s),
      byId: (id: string) => sessions.findOne({ _id: id }),
      ofSpace: (spaceId: string) => sessions.find({ spaceId }, { sort: { createdAt: -1 }, limit: 500 }),
      /** The last session of a series in a space (highest seriesSeq), or null. */
      lastOfSeries: (spaceId: string, seriesId: string) =>
        sessions.find({ spaceId, seriesId }, { sort: { seriesSeq: -1 }, limit: 1 }).then((r) => r[0] ?? null),
      /** The session just before `seq` in a series, or null. */
      previousInSeries: (seriesId: string, seq: number) =>
        sessions.find({ seriesId, seriesSeq: { $lt: seq } }, { sort: { seriesSeq: -1 }, limit: 1 }).then((r) => r[0] ?? null),
      /** Sessions after `seq` in a series (where an open item of session `seq` is shown as carried). */
      laterInSeries: (seriesId: string, seq: number) =>
        sessions.find({ seriesId, seriesSeq: { $gt: seq } }, { sort: { seriesSeq: 1 }, limit: 100 }),
      /**
       * Writes a new live state only if nobody wrote since `rev` was read: a second process (or a bug that
       * bypasses the per-session queue) gets null instead of silently overwriting.
       */
      saveLive: (id: string, rev: number, set: Partial<Omit<LiveSessionRecord, '_id'>>) =>
        sessions.findOneAndUpdate({ _id: id, 'live.rev': rev }, { $set: set }),
      update: (id: string, set: Partial<LiveSessionRecord>) => sessions.findOneAndUpdate({ _id: id }, { $set: set }),
    },
    votes: {
      insert: (v: VoteRecord) => votes.insertOne(v),
      byId: (id: string) => votes.findOne({ _id: id }),
      ofSession: (sessionId: string) => votes.find({ sessionId }, { sort: { openedAt: 1 } }),
      countFor: (sessionId: string, question: string) => votes.count({ sessionId, question }),
      update: (id: string, set: Partial<VoteRecord>) => votes.findOneAndUpdate({ _id: id }, { $set: set }),
    },
    decisions: {
      insert: (d: DecisionRecord) => decisions.insertOne(d),
      ofSession: (sessionId: string) => decisions.find({ sessionId }, { sort: { createdAt: 1 } }),
    },
    actionItems: {
      insert: (a: ActionItemRecord) => items.insertOne(a),
      byId: (id: string) => items.findOne({ _id: id }),
      ofSession: (sessionId: string) => items.find({ sessionId }, { sort: { createdAt: 1 } }),
      ofSpace: (spaceId: string, filter: Record<string, unknown> = {}) =>
        items.find({ spaceId, ...filter }, { sort: { createdAt: -1 }, limit: 1000 }),
      /** Open items from sessions earlier in the series than `seq`. */
      carriedInto: (seriesId: string, seq: number) =>
        items.find({ seriesId, seriesSeq: { $lt: seq }, done: false }, { sort: { createdAt: 1 } }),
      update: (id: string, set: Partial<ActionItemRecord>) => items.findOneAndUpdate({ _id: id }, { $set: set }),
    },
    norms: {
      get: (spaceId: string) => norms.findOne({ _id: spaceId }).then((n) => n?.norms ?? []),
      put: (spaceId: string, list: string[], by: string, at: Date) =>
        norms.updateOne({ _id: spaceId }, { $set: { norms: list, updatedBy: by, updatedAt: at } }, { upsert: true }),
    },
  };
}

export type SessionRepos = ReturnType<typeof createSessionRepos>;
