/**
 * Live PLC sessions: the public shapes (HTTP answers and Socket.IO payloads) and the zod schemas that
 * validate every request about them. The server owns the state; clients render it.
 */
import { z } from 'zod';
import { SPEAKING_MODES, protocolById, type SpeakingMode } from './protocols';
import { idSchema, optionalText, text } from './schemas';
import type { PublicUser, Role } from './types';

export const SESSION_LIMITS = {
  titleMax: 120,
  stepTitleMax: 120,
  promptMax: 2000,
  stepsMax: 30,
  /** Longest a single step (or one extension) may last. */
  stepMinutesMax: 240,
  extendMinutesMax: 120,
  normsMax: 20,
  normMax: 300,
  decisionMax: 2000,
  actionItemMax: 1000,
  questionMax: 300,
} as const;

export const SESSION_STATUSES = ['planned', 'running', 'paused', 'ended'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const CONTROL_ACTIONS = ['start', 'next', 'previous', 'goto', 'pause', 'resume', 'extend', 'end'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export const SESSION_ROLE_KEYS = ['facilitator', 'timekeeper', 'noteTaker', 'normKeeper'] as const;
export type SessionRoleKey = (typeof SESSION_ROLE_KEYS)[number];
/**
 * Roles a guest may hold. Facilitator and timekeeper run the session and the note-taker edits the notes,
 * which guests may not do; a guest can keep the norms.
 */
export const GUEST_SESSION_ROLES: readonly SessionRoleKey[] = ['normKeeper'];
export const SESSION_ROLE_LABELS: Record<SessionRoleKey, string> = {
  facilitator: 'Facilitator',
  timekeeper: 'Timekeeper',
  noteTaker: 'Note-taker',
  normKeeper: 'Norm-keeper',
};

/** User ids per meeting role (null = unassigned). */
export type SessionRoles = Record<SessionRoleKey, string | null>;

export const FIST_VALUES = [0, 1, 2, 3, 4, 5] as const;
export type FistValue = (typeof FIST_VALUES)[number];

export interface SessionStep {
  title: string;
  minutes: number;
  prompt: string;
  speaking: SpeakingMode;
}

export interface HandRaise {
  userId: string;
  name: string;
  raisedAt: number;
}

/** Fist-to-five results: how many showed each value, and who showed fewer than three fingers. */
export interface VoteResults {
  voteId: string;
  question: string;
  round: number;
  count: number;
  /** Count per value 0..5 (keys are the values). */
  tally: Record<FistValue, number>;
  average: number | null;
  /** Everyone under three gets the floor before a re-vote. */
  underThree: { userId: string; name: string; value: number }[];
  /** True when at least one vote was cast and nobody is under three. */
  consensus: boolean;
}

/** The vote shown in the live state; ballots stay on the server, results appear once it is closed. */
export interface VoteInfo {
  id: string;
  question: string;
  round: number;
  status: 'open' | 'closed';
  castCount: number;
  openedAt: number;
  results: VoteResults | null;
}

/**
 * The one authoritative live state. `version` increases on every timer/step control (controls carry the
 * version they saw); `rev` increases on every change of any kind (hands, votes, roles too), so a client
 * keeps the state with the highest `rev`. Times are epoch ms on the server's clock; `serverNow` lets a
 * client correct for its own offset: remaining = stepEndsAt - (Date.now() + (serverNow - receivedAt)).
 */
export interface LiveState {
  sessionId: string;
  status: SessionStatus;
  stepIndex: number;
  stepCount: number;
  /** Deadline of the current step, when running. */
  stepEndsAt: number | null;
  /** Time left in the current step, when paused. */
  remainingMs: number | null;
  /** True when the current step's time is used up (the facilitator moves on; nothing auto-advances). */
  timeUp: boolean;
  version: number;
  rev: number;
  serverNow: number;
  startedAt: number | null;
  endedAt: number | null;
  /** The speaking queue, oldest first. */
  hands: HandRaise[];
  vote: VoteInfo | null;
  roles: SessionRoles;
  /** The space's norms, pinned. */
  norms: string[];
}

export interface Session {
  id: string;
  spaceId: string;
  title: string;
  protocolId: string | null;
  steps: SessionStep[];
  seriesId: string;
  /** 1 for the first session of a series, then 2, 3... */
  seriesSeq: number;
  scheduledAt: string | null;
  roles: SessionRoles;
  /** The meeting-notes document linked to the session (a doc of the same space), if any. */
  notesDocId: string | null;
  createdBy: PublicUser;
  createdAt: string;
  state: LiveState;
}

/** A row of `GET /api/spaces/:spaceId/sessions`. */
export interface SessionListItem {
  id: string;
  spaceId: string;
  title: string;
  protocolId: string | null;
  seriesId: string;
  seriesSeq: number;
  scheduledAt: string | null;
  status: SessionStatus;
  stepCount: number;
  totalMinutes: number;
  /** The session's meeting-notes document, if any. */
  notesDocId: string | null;
  createdAt: string;
}

export interface Decision {
  id: string;
  sessionId: string;
  text: string;
  createdBy: PublicUser;
  createdAt: string;
}

export interface ActionItem {
  id: string;
  spaceId: string;
  sessionId: string;
  sessionTitle: string;
  seriesId: string;
  text: string;
  owner: PublicUser | null;
  /** A calendar date, YYYY-MM-DD. */
  dueDate: string | null;
  done: boolean;
  doneAt: string | null;
  overdue: boolean;
  createdBy: PublicUser;
  createdAt: string;
}

export interface AttendanceEntry {
  user: PublicUser;
  role: Role | null;
  firstJoinedAt: string;
}

export interface StepSummary {
  index: number;
  title: string;
  plannedMinutes: number;
  /** Time actually spent on the step (paused time excluded), 0 if never reached. */
  actualMs: number;
  extendedMinutes: number;
  startedAt: string | null;
  endedAt: string | null;
}

export interface SessionSummary {
  session: {
    id: string;
    spaceId: string;
    spaceName: string;
    title: string;
    protocolId: string | null;
    protocolName: string | null;
    scheduledAt: string | null;
    seriesId: string;
    seriesSeq: number;
    notesDocId: string | null;
  };
  status: SessionStatus;
  startedAt: string | null;
  endedAt: string | null;
  roles: Record<SessionRoleKey, PublicUser | null>;
  norms: string[];
  attendance: AttendanceEntry[];
  steps: StepSummary[];
  decisions: Decision[];
  /** Action items captured in this session. */
  actionItems: ActionItem[];
  /** Open action items from earlier sessions of the same series. */
  carriedActionItems: ActionItem[];
  votes: VoteResults[];
  /**
   * The meeting-notes document as Markdown, when the session has one the caller may read: its title line
   * dropped and headings moved two levels down (they sit under the summary's "Notes" heading); cut at
   * SUMMARY_NOTES_MAX characters with `truncated` set.
   */
  notes: { docId: string; title: string; markdown: string; truncated: boolean } | null;
}

/** The most characters of meeting notes a summary carries (the document itself holds the rest). */
export const SUMMARY_NOTES_MAX = 100_000;

/** `GET /api/sessions/:sessionId`. */
export interface SessionDetail {
  session: Session;
  /** The caller's role in the space. */
  role: Role;
  /** Whether the caller may control the timer (space facilitator, or the session's facilitator/timekeeper). */
  canControl: boolean;
  /** A rotation of the previous session's roles in the series through the members. */
  suggestedRoles: SessionRoles;
  decisions: Decision[];
  actionItems: ActionItem[];
  carriedActionItems: ActionItem[];
}

// ---------- schemas ----------

const minutes = (max: number, label: string) =>
  z
    .number({ error: `${label} must be a number of minutes` })
    .positive({ error: `${label} must be more than 0` })
    .max(max, { error: `${label} must be at most ${max}` });

const userRef = idSchema.nullable();

export const sessionRolesPatch = z.strictObject({
  facilitator: userRef.optional(),
  timekeeper: userRef.optional(),
  noteTaker: userRef.optional(),
  normKeeper: userRef.optional(),
});

export const customStepSchema = z.strictObject({
  title: text(SESSION_LIMITS.stepTitleMax, 'Step title'),
  minutes: minutes(SESSION_LIMITS.stepMinutesMax, 'Step minutes'),
  prompt: optionalText(SESSION_LIMITS.promptMax, 'Prompt').optional(),
  speaking: z.enum(SPEAKING_MODES, { error: `Speaking must be one of ${SPEAKING_MODES.join(', ')}` }).optional(),
});

export const createSessionBody = z
  .strictObject({
    title: text(SESSION_LIMITS.titleMax, 'Title'),
    protocol: z
      .string({ error: 'Protocol must be a template id' })
      .refine((id) => protocolById(id) !== undefined, { error: 'Unknown protocol template' })
      .optional(),
    steps: z
      .array(customStepSchema, { error: 'Steps must be a list' })
      .min(1, { error: 'Add at least one step' })
      .max(SESSION_LIMITS.stepsMax, { error: `At most ${SESSION_LIMITS.stepsMax} steps` })
      .optional(),
    scheduledAt: z.iso.datetime({ offset: true, error: 'scheduledAt must be an ISO date-time' }).nullable().optional(),
    seriesId: idSchema.optional(),
    roles: sessionRolesPatch.optional(),
    notesDocId: idSchema.nullable().optional(),
  })
  .refine((b) => (b.protocol === undefined) !== (b.steps === undefined), {
    error: 'Give either a protocol template id or your own steps',
    path: ['protocol'],
  });

export const updateSessionBody = z
  .strictObject({
    title: text(SESSION_LIMITS.titleMax, 'Title').optional(),
    scheduledAt: z.iso.datetime({ offset: true, error: 'scheduledAt must be an ISO date-time' }).nullable().optional(),
    roles: sessionRolesPatch.optional(),
    notesDocId: idSchema.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'Nothing to change' });

export const normsBody = z.strictObject({
  norms: z
    .array(text(SESSION_LIMITS.normMax, 'Norm'), { error: 'Norms must be a list' })
    .max(SESSION_LIMITS.normsMax, { error: `At most ${SESSION_LIMITS.normsMax} norms` }),
});

export const decisionBody = z.strictObject({ text: text(SESSION_LIMITS.decisionMax, 'Decision') });

const dueDate = z.iso.date({ error: 'dueDate must be a date (YYYY-MM-DD)' });

export const createActionItemBody = z.strictObject({
  text: text(SESSION_LIMITS.actionItemMax, 'Action item'),
  ownerId: idSchema.nullable().optional(),
  dueDate: dueDate.nullable().optional(),
});

export const updateActionItemBody = z
  .strictObject({
    text: text(SESSION_LIMITS.actionItemMax, 'Action item').optional(),
    ownerId: idSchema.nullable().optional(),
    dueDate: dueDate.nullable().optional(),
    done: z.boolean({ error: 'done must be true or false' }).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'Nothing to change' });

export const ACTION_ITEM_FILTERS = ['all', 'mine', 'open', 'overdue'] as const;
export type ActionItemFilter = (typeof ACTION_ITEM_FILTERS)[number];
export const actionItemsQuery = z.strictObject({
  filter: z.enum(ACTION_ITEM_FILTERS, { error: `filter must be one of ${ACTION_ITEM_FILTERS.join(', ')}` }).optional(),
});

export const summaryQuery = z.strictObject({
  format: z.enum(['json', 'markdown'], { error: 'format must be json or markdown' }).optional(),
});

// Socket payloads

export const sessionRefPayload = z.strictObject({ sessionId: idSchema });

export const controlPayload = z
  .strictObject({
    sessionId: idSchema,
    action: z.enum(CONTROL_ACTIONS, { error: `action must be one of ${CONTROL_ACTIONS.join(', ')}` }),
    minutes: minutes(SESSION_LIMITS.extendMinutesMax, 'Minutes').optional(),
    /** For `goto`: the step to jump to (0-based). */
    stepIndex: z.int({ error: 'stepIndex must be a whole number' }).optional(),
    version: z.int({ error: 'version must be a whole number' }).min(0).optional(),
  })
  .refine((p) => p.action !== 'extend' || p.minutes !== undefined, { error: 'Extend needs minutes', path: ['minutes'] })
  .refine((p) => p.action !== 'goto' || p.stepIndex !== undefined, { error: 'Goto needs a stepIndex', path: ['stepIndex'] });

export const handLowerPayload = z.strictObject({
  sessionId: idSchema,
  /** Someone else's hand (facilitator or timekeeper only); defaults to the caller's own. */
  userId: idSchema.optional(),
});

export const voteOpenPayload = z.strictObject({
  sessionId: idSchema,
  question: optionalText(SESSION_LIMITS.questionMax, 'Question').optional(),
});

export const voteCastPayload = z.strictObject({
  voteId: idSchema,
  value: z
    .int({ error: 'value must be a whole number from 0 to 5' })
    .min(0, { error: 'value must be a whole number from 0 to 5' })
    .max(5, { error: 'value must be a whole number from 0 to 5' })
    .transform((v) => v as FistValue),
});

export const voteClosePayload = z.strictObject({ voteId: idSchema });

export type CreateSessionBody = z.infer<typeof createSessionBody>;
export type UpdateSessionBody = z.infer<typeof updateSessionBody>;
export type SessionRolesPatch = z.infer<typeof sessionRolesPatch>;
export type CreateActionItemBody = z.infer<typeof createActionItemBody>;
export type UpdateActionItemBody = z.infer<typeof updateActionItemBody>;
export type ControlPayload = z.infer<typeof controlPayload>;
export type SessionRefPayload = z.infer<typeof sessionRefPayload>;
export type HandLowerPayload = z.infer<typeof handLowerPayload>;
export type VoteOpenPayload = z.infer<typeof voteOpenPayload>;
export type VoteCastPayload = { voteId: string; value: FistValue };
export type VoteClosePayload = z.infer<typeof voteClosePayload>;

/** `session:join` ack data: the state plus the session (steps, title) a client needs to render it. */
export interface SessionJoinResult {
  state: LiveState;
  session: Session;
  /** The caller's own ballot in the current vote (so a reload shows "Your vote"), or null. */
  myVote: { voteId: string; value: number } | null;
}

// ---------- display ----------

/**
 * A step's title without a number of its own ("1. What do we want students to learn?" -> "What do we
 * want..."): every list that shows steps numbers them, so a numbered title would read "2. 1. What...".
 */
export function stepTitle(title: string): string {
  return title.replace(/^\s*\d{1,3}[.)]\s+(?=\S)/, '');
}

/** A step's planned time with what was added during the meeting: "7 min", "7 min (+6)". */
export function plannedLabel(step: Pick<StepSummary, 'plannedMinutes' | 'extendedMinutes'>): string {
  return `${step.plannedMinutes} min${step.extendedMinutes ? ` (+${step.extendedMinutes})` : ''}`;
}

/** True when a record was made after the session ended (it is shown as "added after the meeting"). */
export function afterMeeting(createdAt: string, endedAt: string | number | null): boolean {
  if (endedAt === null) return false;
  return new Date(createdAt).getTime() > new Date(endedAt).getTime();
}

/** The label that marks a record made after the session ended. */
export const AFTER_MEETING_LABEL = 'Added after the meeting';
