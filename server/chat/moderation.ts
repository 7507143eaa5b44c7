/**
 * A facilitator removing someone else's message: the moderation log entry and the removal, two records
 * made atomic by their order (server/store/README.md, "Atomic by design"). The entry, holding the removed
 * text, is written first with `pending`; then the message is removed; then `pending` is cleared and the
 * removal audited. A pending entry is shown only once its message is removed, so a crash anywhere leaves
 * either the message in place with no entry, or the message removed with its entry; the repair at start
 * rolls every pending entry forward (each step is idempotent, so another live process may do it too).
 */
import { audit } from '../audit/audit';
import type { CrashAt } from '../commands/atomic';
import { crashPoint } from '../crash';
import { DuplicateKeyError } from '../store/port';
import type { MessageRecord, ModerationRecord } from './records';
import type { ChatDeps } from './service';
import { withdrawNotices } from './notify';

/** What a removed message keeps in history ("message deleted"): its text, words, mentions and reactions go. */
export const removedFields = (at: Date, by: string): Partial<MessageRecord> => ({ deletedAt: at, deletedBy: by, text: '', words: [], mentions: [], reactions: {} });

/** Removes `m` as a moderation by `actor`: logged with the removed text and the reason, then audited. */
export async function moderateMessage(deps: ChatDeps, m: MessageRecord, actor: { id: string; name: string }, reason: string, at: Date): Promise<void> {
  const entry: ModerationRecord = {
    // One entry per message: a retry after a crash (or a second facilitator at once) finds the first one.
    _id: `msg-${m._id}`,
    spaceId: m.spaceId,
    channelId: m.channelId,
    messageId: m._id,
    action: 'message.delete',
    actorId: actor.id,
    authorId: m.authorId,
    text: m.text,
    reason,
    at,
    pending: true,
  };
  try {
    await deps.repo.moderation.insert(entry);
  } catch (err) {
    if (!(err instanceof DuplicateKeyError)) throw err;
    const first = await deps.repo.moderation.byId(entry._id);
    if (first?.pending) await finishModeration(deps, first, actor.name);
    return;
  }
  crashPoint('moderation:after-log');
  await finishModeration(deps, entry, actor.name, crashPoint);
}

/** The steps after the pending entry: remove the message, make the entry final, audit (once: whoever made it final). */
async function finishModeration(deps: ChatDeps, entry: ModerationRecord, actorName: string, crash: CrashAt = () => {}): Promise<void> {
  await deps.repo.messages.update(entry.messageId, removedFields(entry.at, entry.actorId));
  await withdrawNotices(deps, { messageId: entry.messageId });
  crash('moderation:after-removal');
  if (!(await deps.repo.moderation.commit(entry._id))) return;
  await audit(deps.ctx, {
    action: 'message.moderated',
    actor: { id: entry.actorId, name: actorName },
    spaceId: entry.spaceId,
    target: { type: 'message', id: entry.messageId },
    details: { reason: entry.reason, authorId: entry.authorId },
  });
}

/** The log entries to show: a pending one only when its message is already removed (the removal happened). */
export async function shownEntries(deps: ChatDeps, rows: ModerationRecord[]): Promise<ModerationRecord[]> {
  const shown = await Promise.all(
    rows.map(async (r) => {
      if (!r.pending) return true;
      // A comment's entry waits for the comments feature to make it final (comments/commands.ts).
      if (r.action !== 'message.delete') return false;
      const m = await deps.repo.messages.byId(r.messageId);
      return !m || m.deletedAt !== null;
    }),
  );
  return rows.filter((_, i) => shown[i]);
}

/** Rolls forward every moderation a crash cut short (the chat feature's repair at start). */
export async function repairModeration(deps: ChatDeps): Promise<void> {
  for (const entry of await deps.repo.moderation.pending()) {
    if (entry.action !== 'message.delete') continue; // comments: the comments feature's repair
    const actor = await deps.ctx.repos.users.byId(entry.actorId);
    await finishModeration(deps, entry, actor?.name ?? '');
    deps.ctx.logger.warn({ cat: 'repair', messageId: entry.messageId }, 'finished a moderation a crash had cut short');
  }
}
