/**
 * When an account is deleted, its comments stay under "Former member", or are erased when the person
 * asked: an erased first comment takes its thread along when nobody else wrote in it (the thread was that
 * comment's question); when others replied, the thread stays with the first comment's text emptied, so
 * their replies keep their context. Comments' own records only, asked through the `user:deleted` event.
 */
import { FORMER_MEMBER } from '../../shared/types';
import type { Ctx } from '../context';
import type { CommentRecord, ThreadRecord } from './records';

/** Listens for deleted accounts; returns the unsubscribe. */
export function forgetDeletedCommenters(ctx: Ctx): () => void {
  return ctx.bus.on('user:deleted', ({ userId, spaceIds, erase }) => forgetCommenter(ctx, userId, spaceIds, erase));
}

/** Rewrites every thread of `spaceIds` that `userId` wrote in or decided. */
export async function forgetCommenter(ctx: Ctx, userId: string, spaceIds: string[], erase: boolean): Promise<void> {
  if (spaceIds.length === 0) return;
  const threads = ctx.store.collection<ThreadRecord>('threads');
  for (const t of await threads.find({ spaceId: { $in: spaceIds } })) {
    const touched = t.authorId === userId || t.statusBy?.id === userId || t.comments.some((c) => c.authorId === userId);
    if (!touched) continue;
    const others = t.comments.some((c) => c.authorId !== userId);
    if (erase && t.authorId === userId && !others) {
      await threads.deleteOne({ _id: t._id });
      continue;
    }
    const comments = t.comments.flatMap((c, i): CommentRecord[] => {
      if (c.authorId !== userId) return [c];
      if (!erase) return [{ ...c, authorName: FORMER_MEMBER }];
      return i === 0 ? [{ ...c, authorName: FORMER_MEMBER, text: '', mentions: [] }] : [];
    });
    const mine = t.authorId === userId;
    await threads.updateOne(
      { _id: t._id },
      {
        $set: {
          comments,
          ...(mine ? { authorName: FORMER_MEMBER, ...(erase ? { suggestion: null } : {}) } : {}),
          ...(t.statusBy?.id === userId ? { statusBy: { id: userId, name: FORMER_MEMBER } } : {}),
        },
      },
    );
  }
}
