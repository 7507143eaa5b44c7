/** Finds who a message mentions: `@Name` of a space member in the text, plus ids picked in the client. */
import type { Ctx } from '../context';

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** True when `text` contains `@name` not followed by another letter or digit (so `@Ann` misses `@Anna`). */
export function mentionsName(text: string, name: string): boolean {
  return new RegExp(`(^|[^\\p{L}\\p{N}_])@${escapeRegex(name)}(?![\\p{L}\\p{N}_])`, 'iu').test(text);
}

/**
 * The member ids a message mentions, never its author. Members are only loaded when the text holds an
 * `@` or the client picked someone, so ordinary messages cost no extra reads.
 */
export async function resolveMentions(ctx: Ctx, spaceId: string, authorId: string, text: string, picked: string[] = []): Promise<string[]> {
  if (!text.includes('@') && picked.length === 0) return [];
  const members = await ctx.repos.memberships.ofSpace(spaceId);
  const memberIds = new Set(members.map((m) => m.userId));
  const out = new Set<string>();
  for (const id of picked) if (memberIds.has(id) && id !== authorId) out.add(id);
  if (text.includes('@')) {
    const users = await ctx.repos.users.byIds([...memberIds]);
    for (const u of users) {
      if (u._id === authorId) continue;
      // Former names too: a message written before someone's rename still mentions them when edited.
      if (mentionsName(text, u.name) || (u.formerNames ?? []).some((n) => mentionsName(text, n))) out.add(u._id);
    }
  }
  return [...out];
}
