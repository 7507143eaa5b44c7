/**
 * The session summary: attendance (from who joined the live session), steps with the time actually
 * spent, decisions, action items (new and carried), votes; as JSON and as a Markdown export.
 */
import { protocolById } from '../../shared/protocols';
import type { Request } from 'express';
import { z } from 'zod';
import { AFTER_MEETING_LABEL, SESSION_ROLE_KEYS, SESSION_ROLE_LABELS, SUMMARY_NOTES_MAX, afterMeeting, plannedLabel, stepTitle, type ActionItem, type SessionSummary, type StepSummary } from '../../shared/sessions';
import { ROLE_LABELS } from '../../shared/types';
import type { SessionsCore } from './core';
import type { SessionCommands } from './commands';
import { presentDecision, tallyVote, userOf } from './present';
import type { LiveSessionRecord } from './records';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Per step: planned minutes, time actually spent (pauses excluded), extensions, first start and last end. */
export function stepSummaries(s: LiveSessionRecord, now: number): StepSummary[] {
  return s.steps.map((step, index) => {
    const visits = s.live.log.filter((e) => e.stepIndex === index);
    const spent = visits.reduce((sum, e) => {
      const end = e.endedAt ?? (s.live.status === 'paused' && s.live.pausedAt !== null ? s.live.pausedAt : now);
      return sum + Math.max(0, end - e.startedAt - e.pausedMs);
    }, 0);
    const last = visits[visits.length - 1];
    return {
      index,
      title: stepTitle(step.title),
      plannedMinutes: step.minutes,
      actualMs: spent,
      extendedMinutes: visits.reduce((sum, e) => sum + e.extendedMinutes, 0),
      startedAt: iso(visits[0]?.startedAt ?? null),
      endedAt: iso(last?.endedAt ?? null),
    };
  });
}

/**
 * A document's Markdown export made fit to sit under the summary's "Notes" heading: the leading title line
 * dropped, headings outside code fences two levels deeper (at most six), cut at `max` characters.
 */
export function notesForSummary(markdown: string, max = SUMMARY_NOTES_MAX): { markdown: string; truncated: boolean } {
  const lines = markdown.split('\n');
  if (lines[0]?.startsWith('# ')) lines.splice(0, lines[1] === '' ? 2 : 1);
  let fenced = false;
  const out = lines.map((line) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) return line;
    const m = /^(#{1,6}) /.exec(line);
    return m ? `${'#'.repeat(Math.min(6, m[1]!.length + 2))}${line.slice(m[1]!.length)}` : line;
  });
  const text = out.join('\n').trim();
  if (text.length <= max) return { markdown: text, truncated: false };
  const cut = text.lastIndexOf('\n', max);
  return { markdown: text.slice(0, cut > max / 2 ? cut : max), truncated: true };
}

/** Builds the summary of a session the caller may view. */
export async function buildSummary(core: SessionsCore, commands: SessionCommands, userId: string, sessionId: string): Promise<SessionSummary> {
  const { session: s, access } = await core.access(sessionId, userId, 'sessions.view');
  const { repos, ctx } = core;
  const [decisions, items, carried, votes, norms, members] = await Promise.all([
    repos.decisions.ofSession(s._id),
    repos.actionItems.ofSession(s._id),
    repos.actionItems.carriedInto(s.seriesId, s.seriesSeq),
    repos.votes.ofSession(s._id),
    repos.norms.get(s.spaceId),
    ctx.repos.memberships.ofSpace(s.spaceId),
  ]);
  const roleOf = new Map(members.map((m) => [m.userId, m.role]));
  const roleIds = SESSION_ROLE_KEYS.map((k) => s.roles[k]).filter((id): id is string => id !== null);
  const users = await core.usersById([...decisions.map((d) => d.createdBy), ...roleIds, ...s.attendance.map((a) => a.userId)]);
  const protocol = s.protocolId ? protocolById(s.protocolId) : undefined;
  const notesDoc = s.notesDocId && core.docs ? await core.docs.docMarkdown(userId, s.notesDocId) : null;
  return {
    session: {
      id: s._id,
      spaceId: s.spaceId,
      spaceName: access.space.name,
      title: s.title,
      protocolId: s.protocolId,
      protocolName: protocol?.name ?? null,
      scheduledAt: s.scheduledAt ? s.scheduledAt.toISOString() : null,
      seriesId: s.seriesId,
      seriesSeq: s.seriesSeq,
      notesDocId: s.notesDocId ?? null,
    },
    status: s.live.status,
    startedAt: iso(s.live.startedAt),
    endedAt: iso(s.live.endedAt),
    roles: Object.fromEntries(SESSION_ROLE_KEYS.map((k) => [k, s.roles[k] ? userOf(users, s.roles[k]!) : null])) as SessionSummary['roles'],
    norms,
    attendance: s.attendance.map((a) => ({
      user: users.has(a.userId) ? userOf(users, a.userId) : { id: a.userId, name: a.name },
      role: roleOf.get(a.userId) ?? null,
      firstJoinedAt: new Date(a.firstJoinedAt).toISOString(),
    })),
    steps: stepSummaries(s, ctx.now()),
    decisions: decisions.map((d) => presentDecision(d, users)),
    actionItems: await commands.presentItems(items),
    carriedActionItems: await commands.presentItems(carried),
    votes: votes.filter((v) => v.closedAt !== null).map(tallyVote),
    notes: notesDoc && s.notesDocId ? { docId: s.notesDocId, title: notesDoc.title, ...notesForSummary(notesDoc.markdown) } : null,
  };
}

/** Escapes text so a user's words cannot break the Markdown structure (tables, lists, headings). */
export function mdEscape(text: string): string {
  return text
    .replace(/\r?\n+/g, ' ')
    .replace(/([\\`*_[\]<>|#])/g, '\\$1')
    .trim();
}

const minutes = (ms: number) => `${Math.round(ms / 6000) / 10} min`;
const day = (isoDate: string | null) => (isoDate ? isoDate.slice(0, 10) : '');

/** A record made after the End gets a visible mark (see README, "After the meeting ends"). */
const lateMark = (createdAt: string, sum: SessionSummary) => (afterMeeting(createdAt, sum.endedAt) ? ` *(${AFTER_MEETING_LABEL.toLowerCase()})*` : '');

function itemLine(a: ActionItem, sum: SessionSummary): string {
  const bits = [a.owner ? `owner: ${mdEscape(a.owner.name)}` : 'no owner', a.dueDate ? `due ${a.dueDate}` : 'no due date'];
  if (a.overdue) bits.push('**overdue**');
  return `- [${a.done ? 'x' : ' '}] ${mdEscape(a.text)} (${bits.join(', ')})${lateMark(a.createdAt, sum)}`;
}

// PUBLIC_URL, when set to an http(s) URL, names the address people use (behind a proxy the request's own
// host may be an internal one); read once here until the config carries it.
const publicUrl = z.url({ protocol: /^https?$/ }).safeParse(process.env.PUBLIC_URL);

/** The absolute address links in a downloaded summary start with: PUBLIC_URL, else the request's origin. */
export function linkBase(req: Request): string {
  if (publicUrl.success) return publicUrl.data.replace(/\/+$/, '');
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/**
 * The summary as a Markdown document. `baseUrl` makes its links absolute, so they still work in the
 * downloaded file.
 */
export function summaryMarkdown(sum: SessionSummary, baseUrl = ''): string {
  const out: string[] = [];
  out.push(`# ${mdEscape(sum.session.title)}`, '');
  const meta = [`Space: ${mdEscape(sum.session.spaceName)}`];
  if (sum.session.protocolName) meta.push(`Protocol: ${mdEscape(sum.session.protocolName)}`);
  if (sum.startedAt) meta.push(`Held: ${day(sum.startedAt)}`);
  else if (sum.session.scheduledAt) meta.push(`Scheduled: ${day(sum.session.scheduledAt)}`);
  meta.push(`Status: ${sum.status}`);
  out.push(meta.join(' · '), '');
  if (sum.session.notesDocId) out.push(`Notes: [${sum.notes ? mdEscape(sum.notes.title) : 'meeting notes'}](${baseUrl}/docs/${sum.session.notesDocId})`, '');

  out.push('## Attendance', '');
  if (sum.attendance.length === 0) out.push('Nobody joined the live session.');
  for (const a of sum.attendance) out.push(`- ${mdEscape(a.user.name)}${a.role ? ` (${ROLE_LABELS[a.role]})` : ''}`);
  out.push('');

  const roles = SESSION_ROLE_KEYS.filter((k) => sum.roles[k]);
  if (roles.length) {
    out.push('## Roles', '');
    for (const k of roles) out.push(`- ${SESSION_ROLE_LABELS[k]}: ${mdEscape(sum.roles[k]!.name)}`);
    out.push('');
  }

  if (sum.norms.length) {
    out.push('## Norms', '');
    sum.norms.forEach((n, i) => out.push(`${i + 1}. ${mdEscape(n)}`));
    out.push('');
  }

  out.push('## Agenda', '', '| # | Step | Planned | Actual |', '|---|---|---|---|');
  for (const st of sum.steps) {
    out.push(`| ${st.index + 1} | ${mdEscape(st.title)} | ${plannedLabel(st)} | ${st.startedAt ? minutes(st.actualMs) : 'not reached'} |`);
  }
  out.push('');

  out.push('## Decisions', '');
  if (sum.decisions.length === 0) out.push('No decisions recorded.');
  for (const d of sum.decisions) out.push(`- ${mdEscape(d.text)}${lateMark(d.createdAt, sum)}`);
  out.push('');

  out.push('## Action items', '');
  if (sum.actionItems.length === 0) out.push('No new action items.');
  for (const a of sum.actionItems) out.push(itemLine(a, sum));
  out.push('');

  if (sum.carriedActionItems.length) {
    out.push('## Carried over from earlier sessions', '');
    for (const a of sum.carriedActionItems) out.push(itemLine(a, sum));
    out.push('');
  }

  if (sum.votes.length) {
    out.push('## Fist to five', '');
    for (const v of sum.votes) {
      const tally = [0, 1, 2, 3, 4, 5].map((n) => `${n}: ${v.tally[n as 0]}`).join(', ');
      out.push(`- ${mdEscape(v.question)} (round ${v.round}): ${v.count} votes, average ${v.average ?? '-'}; ${tally}`);
      if (v.underThree.length) out.push(`  - Under three: ${v.underThree.map((u) => `${mdEscape(u.name)} (${u.value})`).join(', ')}`);
    }
    out.push('');
  }

  if (sum.notes) {
    out.push('## Notes', '');
    out.push(sum.notes.markdown || 'The notes are empty.', '');
    if (sum.notes.truncated) out.push(`(The notes go on in the document "${mdEscape(sum.notes.title)}".)`, '');
  }
  return out.join('\n');
}
