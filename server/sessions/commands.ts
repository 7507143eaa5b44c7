/**
 * Session planning commands, called by the HTTP routes: create and update sessions (roles, series),
 * norms, decisions and action items. Changes that touch the live state go through `core.mutate`.
 */
import { protocolById, SPEAKING_LABELS } from '../../shared/protocols';
import { DOC_LIMITS } from '../../shared/docs';
import { sessionNotesBody } from '../../shared/templates';
import {
  GUEST_SESSION_ROLES,
  SESSION_ROLE_KEYS,
  SESSION_ROLE_LABELS,
  type ActionItem,
  type ActionItemFilter,
  type CreateActionItemBody,
  type CreateSessionBody,
  type Decision,
  type Session,
  type SessionDetail,
  type SessionRoles,
  type SessionRolesPatch,
  type SessionStep,
  type UpdateActionItemBody,
  type UpdateSessionBody,
} from '../../shared/sessions';
import { accessSpace } from '../commands/access';
import { conflict, invalidPayload, notFound } from '../errors';
import { DuplicateKeyError } from '../store/port';
import { newId } from '../ids';
import { canControlSession } from '../policies';
import type { SessionsCore } from './core';
import { presentActionItem, presentDecision, presentSession, todayOf } from './present';
import type { ActionItemRecord, LiveSessionRecord } from './records';
import { emptyRoles, suggestRotation } from './rotation';
import { plannedLive } from './timer';

/** The title of a session's meeting-notes document, within the documents' title limit. */
export const notesTitle = (title: string) => `${title} — notes`.slice(0, DOC_LIMITS.titleMax);

/** The planning commands over the shared core. */
export function createSessionCommands(core: SessionsCore) {
  const { ctx, repos, docs } = core;

  /** Throws invalid_payload unless every given user id belongs to a member of the space. */
  async function mustBeMembers(spaceId: string, ids: (string | null | undefined)[], field: string): Promise<void> {
    for (const id of ids) {
      if (id && !(await ctx.repos.memberships.get(spaceId, id))) {
        throw invalidPayload(`${field}: that person is not a member of this space.`, { fields: [{ field, message: 'not a member of this space' }] });
      }
    }
  }

  async function mergeRoles(spaceId: string, current: SessionRoles, patch: SessionRolesPatch | undefined): Promise<SessionRoles> {
    const roles = { ...current };
    if (!patch) return roles;
    for (const key of SESSION_ROLE_KEYS) {
      const v = patch[key];
      if (v === undefined) continue;
      await mustBeMembers(spaceId, [v], `roles.${key}`);
      if (v && !GUEST_SESSION_ROLES.includes(key) && (await ctx.repos.memberships.get(spaceId, v))?.role === 'guest') {
        const field = `roles.${key}`;
        throw invalidPayload(`${field}: a guest cannot be the ${SESSION_ROLE_LABELS[key].toLowerCase()}.`, { fields: [{ field, message: 'guests can only be norm-keeper' }] });
      }
      roles[key] = v;
    }
    return roles;
  }

  /** Throws invalid_payload unless `docId` is a document of the space (asked through the docs port). */
  async function mustBeDocOfSpace(spaceId: string, docId: string | null | undefined): Promise<void> {
    if (!docId) return;
    const doc = await docs?.info(docId);
    if (doc?.spaceId !== spaceId) throw invalidPayload('notesDocId: there is no such document in this space.', { fields: [{ field: 'notesDocId', message: 'unknown document' }] });
  }

  async function present(s: LiveSessionRecord): Promise<Session> {
    return presentSession(s, await core.stateOf(s), await core.usersById([s.createdBy]));
  }

  async function presentItems(items: ActionItemRecord[]): Promise<ActionItem[]> {
    const users = await core.usersById(items.flatMap((a) => (a.ownerId ? [a.ownerId, a.createdBy] : [a.createdBy])));
    const titles = new Map<string, string>();
    for (const id of new Set(items.map((a) => a.sessionId))) titles.set(id, (await repos.sessions.byId(id))?.title ?? '');
    return items.map((a) => presentActionItem(a, users, titles, ctx.now()));
  }

  /**
   * Mirrors a decision or an action item into the session's notes document after the record is stored:
   * in the background, so a failure there is logged and never undoes or delays the record.
   */
  function toNotes(notesDocId: string | null | undefined, edit: (docId: string) => Promise<void> | undefined): void {
    if (!notesDocId) return;
    void edit(notesDocId)?.catch((err: unknown) => ctx.logger.warn({ err, notesDocId }, 'could not update the meeting notes'));
  }

  /** Sorts open items first, then by due date (undated last), then oldest first. */
  const byUrgency = (a: ActionItemRecord, b: ActionItemRecord) =>
    Number(a.done) - Number(b.done) || (a.dueDate ?? '9999').localeCompare(b.dueDate ?? '9999') || a.createdAt.getTime() - b.createdAt.getTime();

  return {
    presentItems,

    async create(userId: string, spaceId: string, body: CreateSessionBody): Promise<Session> {
      const { space } = await accessSpace(ctx, spaceId, userId, 'sessions.create');
      const template = body.protocol ? protocolById(body.protocol) : undefined;
      const steps: SessionStep[] = template
        ? template.steps.map((s) => ({ ...s }))
        : (body.steps ?? []).map((s) => ({ title: s.title, minutes: s.minutes, prompt: s.prompt ?? '', speaking: s.speaking ?? 'open' }));
      if (body.seriesId && !(await repos.sessions.lastOfSeries(space._id, body.seriesId))) {
        throw invalidPayload('seriesId: there is no such series in this space.', { fields: [{ field: 'seriesId', message: 'unknown series' }] });
      }
      await mustBeDocOfSpace(space._id, body.notesDocId);
      const roles = await mergeRoles(space._id, emptyRoles(), body.roles);
      // Omitted notesDocId: the session gets its own meeting-notes document, a section per step (null: none).
      let notesDocId = body.notesDocId ?? null;
      let createdDoc: string | null = null;
      if (body.notesDocId === undefined && docs) {
        const notesBody = sessionNotesBody(
          steps.map((s) => ({ title: s.title, minutes: s.minutes, prompt: s.prompt, speakingLabel: SPEAKING_LABELS[s.speaking] })),
          await repos.norms.get(space._id),
        );
        notesDocId = createdDoc = (await docs.createDoc(userId, space._id, { title: notesTitle(body.title), template: 'meeting-notes', body: notesBody })).id;
      }
      const seriesId = body.seriesId ?? newId();
      const record: Omit<LiveSessionRecord, 'seriesSeq'> = {
        _id: newId(),
        spaceId: space._id,
        title: body.title,
        protocolId: template?.id ?? null,
        steps,
        seriesId,
        scheduledAt: body.scheduledAt ? new Date(body.scheduledAt) : null,
        roles,
        notesDocId,
        createdBy: userId,
        createdAt: new Date(ctx.now()),
        live: plannedLive(),
        attendance: [],
      };
      try {
        // One at a time per series, so the next number is read and taken together (the unique index on
        // seriesId + seriesSeq refuses a second process doing the same).
        const saved = await core.queue.run(`series:${seriesId}`, async () => {
          const last = body.seriesId ? await repos.sessions.lastOfSeries(space._id, seriesId) : null;
          const full: LiveSessionRecord = { ...record, seriesSeq: (last?.seriesSeq ?? 0) + 1 };
          await repos.sessions.insert(full);
          return full;
        });
        void core.announceListChange(saved.spaceId, saved._id);
        return await present(saved);
      } catch (err) {
        if (createdDoc) await docs?.removeDoc(createdDoc).catch((e: unknown) => ctx.logger.error({ err: e }, 'could not remove the notes document of a failed session'));
        if (err instanceof DuplicateKeyError) throw conflict('Another session of this series was created at the same moment; try again.');
        throw err;
      }
    },

    async list(userId: string, spaceId: string) {
      const { space } = await accessSpace(ctx, spaceId, userId, 'sessions.view');
      return repos.sessions.ofSpace(space._id);
    },

    async detail(userId: string, sessionId: string): Promise<SessionDetail> {
      const { session: s, access } = await core.access(sessionId, userId, 'sessions.view');
      const previous = await repos.sessions.previousInSeries(s.seriesId, s.seriesSeq);
      // Rotation order: members by join date (ties broken by id so the suggestion is stable), guests excluded.
      const people = (await ctx.repos.memberships.ofSpace(s.spaceId))
        .filter((m) => m.role !== 'guest')
        .sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime() || a.userId.localeCompare(b.userId))
        .map((m) => m.userId);
      const decisions = await repos.decisions.ofSession(s._id);
      const users = await core.usersById(decisions.map((d) => d.createdBy));
      return {
        session: await present(s),
        role: access.membership!.role,
        canControl: canControlSession(access.actor, access.space, s.roles),
        suggestedRoles: suggestRotation(previous?.roles ?? null, people),
        decisions: decisions.map((d) => presentDecision(d, users)),
        actionItems: await presentItems(await repos.actionItems.ofSession(s._id)),
        carriedActionItems: await presentItems(await repos.actionItems.carriedInto(s.seriesId, s.seriesSeq)),
      };
    },

    /** Title, schedule and roles; roles are part of the live state, so the change is broadcast. */
    async update(userId: string, sessionId: string, body: UpdateSessionBody): Promise<Session> {
      const { session } = await core.access(sessionId, userId, 'sessions.create');
      const roles = await mergeRoles(session.spaceId, session.roles, body.roles);
      await mustBeDocOfSpace(session.spaceId, body.notesDocId);
      const saved = await core.mutate(sessionId, (s) => ({
        ...(body.title !== undefined ? { title: body.title } : {}),
        ...(body.scheduledAt !== undefined ? { scheduledAt: body.scheduledAt ? new Date(body.scheduledAt) : null } : {}),
        ...(body.notesDocId !== undefined ? { notesDocId: body.notesDocId } : {}),
        ...(body.roles ? { roles: { ...s.roles, ...Object.fromEntries(SESSION_ROLE_KEYS.filter((k) => body.roles![k] !== undefined).map((k) => [k, roles[k]])) } } : {}),
        live: { ...s.live, rev: s.live.rev + 1 },
      }));
      // The session's own notes document follows a rename unless someone retitled it by hand.
      if (body.title !== undefined && body.notesDocId === undefined && saved.notesDocId && session.title !== saved.title) {
        await docs?.retitleDoc(saved.notesDocId, notesTitle(session.title), notesTitle(saved.title));
      }
      return present(saved);
    },

    async norms(userId: string, spaceId: string): Promise<string[]> {
      const { space } = await accessSpace(ctx, spaceId, userId, 'sessions.view');
      return repos.norms.get(space._id);
    },

    /** Facilitators replace the space's norms; they are pinned in every session's state from then on. */
    async putNorms(userId: string, spaceId: string, norms: string[]): Promise<string[]> {
      const { space } = await accessSpace(ctx, spaceId, userId, 'sessions.create');
      await repos.norms.put(space._id, norms, userId, new Date(ctx.now()));
      // Sessions in progress show the new norms at once (a rev bump re-broadcasts their state).
      for (const s of await repos.sessions.ofSpace(space._id)) {
        if (s.live.status === 'running' || s.live.status === 'paused') await core.mutate(s._id, (fresh) => ({ live: { ...fresh.live, rev: fresh.live.rev + 1 } }));
      }
      return norms;
    },

    async addDecision(userId: string, sessionId: string, text: string): Promise<Decision> {
      const { session } = await core.access(sessionId, userId, 'actionItems.manage');
      const rec = { _id: newId(), sessionId, spaceId: session.spaceId, text, createdBy: userId, createdAt: new Date(ctx.now()) };
      await repos.decisions.insert(rec);
      const decision = presentDecision(rec, await core.usersById([userId]));
      core.emit(sessionId, 'session:decision', { sessionId, decision });
      toNotes(session.notesDocId, (docId) => docs?.appendToNotes(docId, 'Decisions', text));
      return decision;
    },

    async addActionItem(userId: string, sessionId: string, body: CreateActionItemBody): Promise<ActionItem> {
      const { session } = await core.access(sessionId, userId, 'actionItems.manage');
      await mustBeMembers(session.spaceId, [body.ownerId], 'ownerId');
      const rec: ActionItemRecord = {
        _id: newId(),
        spaceId: session.spaceId,
        sessionId,
        seriesId: session.seriesId,
        seriesSeq: session.seriesSeq,
        text: body.text,
        ownerId: body.ownerId ?? null,
        dueDate: body.dueDate ?? null,
        done: false,
        doneAt: null,
        createdBy: userId,
        createdAt: new Date(ctx.now()),
      };
      await repos.actionItems.insert(rec);
      const [actionItem] = await presentItems([rec]);
      core.emit(sessionId, 'session:actionItem', { sessionId, actionItem: actionItem! });
      const who = [actionItem!.owner?.name, rec.dueDate ? `due ${rec.dueDate}` : null].filter(Boolean).join(', ');
      toNotes(session.notesDocId, (docId) => docs?.appendToNotes(docId, 'Action items', who ? `${rec.text} (${who})` : rec.text));
      return actionItem!;
    },

    async updateActionItem(userId: string, itemId: string, body: UpdateActionItemBody): Promise<ActionItem> {
      const item = await repos.actionItems.byId(itemId);
      if (!item) throw notFound('That action item');
      try {
        await accessSpace(ctx, item.spaceId, userId, 'actionItems.manage');
      } catch (err) {
        if ((err as { code?: string }).code === 'not_found') throw notFound('That action item');
        throw err;
      }
      await mustBeMembers(item.spaceId, [body.ownerId], 'ownerId');
      const set: Partial<ActionItemRecord> = {};
      if (body.text !== undefined) set.text = body.text;
      if (body.ownerId !== undefined) set.ownerId = body.ownerId;
      if (body.dueDate !== undefined) set.dueDate = body.dueDate;
      if (body.done !== undefined && body.done !== item.done) {
        set.done = body.done;
        set.doneAt = body.done ? new Date(ctx.now()) : null;
      }
      const saved = (await repos.actionItems.update(itemId, set)) ?? { ...item, ...set };
      const [actionItem] = await presentItems([saved]);
      core.emit(saved.sessionId, 'session:actionItem', { sessionId: saved.sessionId, actionItem: actionItem! });
      // Later sessions of the series show it as carried: their rooms see the change too (done, new owner).
      for (const later of await repos.sessions.laterInSeries(saved.seriesId, saved.seriesSeq)) {
        core.emit(later._id, 'session:actionItem', { sessionId: later._id, actionItem: actionItem! });
      }
      // Done or open again: the line the notes got when the item was recorded follows (found by its text then).
      if (set.done !== undefined) {
        const done = set.done;
        toNotes((await repos.sessions.byId(saved.sessionId))?.notesDocId, (docId) => docs?.markNotesItem(docId, item.text, done));
      }
      return actionItem!;
    },

    async listActionItems(userId: string, spaceId: string, filter: ActionItemFilter): Promise<ActionItem[]> {
      const { space } = await accessSpace(ctx, spaceId, userId, 'sessions.view');
      const today = todayOf(ctx.now());
      const query: Record<string, unknown> =
        filter === 'mine' ? { ownerId: userId } : filter === 'open' ? { done: false } : filter === 'overdue' ? { done: false, dueDate: { $lt: today, $ne: null } } : {};
      const items = (await repos.actionItems.ofSpace(space._id, query)).sort(byUrgency);
      return presentItems(items);
    },
  };
}

export type SessionCommands = ReturnType<typeof createSessionCommands>;
