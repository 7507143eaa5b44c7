/** Mention picker logic: the `@query` just before the caret, and the members it could mean. */
export interface MentionCandidate {
  id: string;
  name: string;
}

/** The text after an `@` that starts a word and runs to the caret (at most 30 characters), or null. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|[^\p{L}\p{N}_])@([^@\n]{0,30})$/u.exec(before);
  if (!m) return null;
  return { start: before.length - m[2]!.length - 1, query: m[2]! };
}

/** Members whose name (or a word of it) starts with the query, up to `max`, excluding `meId`. */
export function suggest(members: MentionCandidate[], query: string, meId: string, max = 6): MentionCandidate[] {
  const q = query.toLowerCase();
  return members
    .filter((m) => m.id !== meId)
    .filter((m) => {
      const n = m.name.toLowerCase();
      return n.startsWith(q) || n.split(/\s+/).some((w) => w.startsWith(q));
    })
    .slice(0, max);
}
