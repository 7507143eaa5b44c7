/** Pure helpers over message lists: ordered insert without duplicates, replace, day grouping, excerpts. */
import type { ChatMessage } from '../../../shared/chat';

/** Channel order: the sequence number the server gave each message (ids from two servers need not sort so). */
const bySeq = (a: ChatMessage, b: ChatMessage) => a.seq - b.seq;

/** Inserts or replaces `m` in a list sorted by seq; returns a new array. */
export function upsert(list: readonly ChatMessage[], m: ChatMessage): ChatMessage[] {
  const i = list.findIndex((x) => x.id === m.id);
  if (i >= 0) {
    const copy = list.slice();
    copy[i] = m;
    return copy;
  }
  const last = list[list.length - 1];
  if (!last || bySeq(last, m) < 0) return [...list, m];
  const at = list.findIndex((x) => bySeq(x, m) > 0);
  return [...list.slice(0, at), m, ...list.slice(at)];
}

/** Merges a page of messages into a sorted list, skipping ids already present. */
export function merge(list: readonly ChatMessage[], page: readonly ChatMessage[]): ChatMessage[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const m of page) byId.set(m.id, m);
  return [...byId.values()].sort(bySeq);
}

/** Applies `change` to the message with `id`, if present; returns the same array when absent. */
export function patch(list: readonly ChatMessage[], id: string, change: (m: ChatMessage) => ChatMessage): ChatMessage[] {
  const i = list.findIndex((x) => x.id === id);
  if (i < 0) return list as ChatMessage[];
  const copy = list.slice();
  copy[i] = change(copy[i]!);
  return copy;
}

/** The local calendar day of an ISO time, as a key. */
export const dayKey = (iso: string) => {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
};

/** "Today", "Yesterday" or a full date. */
export function dayLabel(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const y = new Date(now);
  y.setDate(now.getDate() - 1);
  if (dayKey(iso) === dayKey(now.toISOString())) return 'Today';
  if (dayKey(iso) === dayKey(y.toISOString())) return 'Yesterday';
  return d.toLocaleDateString(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
}

/** "14:05" in the viewer's locale. */
export const timeLabel = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/** A short plain excerpt for announcements and notifications. */
export const excerpt = (text: string, max = 120) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** A new client message id (the server makes sends with the same one idempotent). */
export const newClientMsgId = () =>
  typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
