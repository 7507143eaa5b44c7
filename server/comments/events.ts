/**
 * `doc:watch` / `doc:unwatch`: a document page follows its threads in the document's own room, so it
 * needs no `space:join` (which would mark the reader "Online now" in the discussion and race the chat
 * view's own join and leave). Access is checked before the connection joins, and the room is tied to the
 * document's space, so a removed member leaves it at once.
 */
import { docRefPayload } from '../../shared/comments';
import type { Limiter } from '../limits';
import { on, type EventHandler } from '../realtime/kit';
import { listThreads, type CommentsDeps } from './commands';

export const docRoom = (docId: string) => `doc:${docId}`;

/** The comment events every connection answers. */
export function commentEvents(d: CommentsDeps, limit: Limiter): EventHandler[] {
  return [
    on('doc:watch', {
      schema: docRefPayload,
      limit,
      // Reading the list is the access check (404 for strangers of the document's space).
      authorize: async ({ docId }, conn) => {
        await listThreads(d, conn.userId, docId);
        return (await d.docFacts(docId))!.spaceId;
      },
      run: async ({ docId }, conn, spaceId) => {
        await conn.join(docRoom(docId), { spaceId });
        return {};
      },
    }),
    on('doc:unwatch', {
      schema: docRefPayload,
      limit,
      run: async ({ docId }, conn) => {
        await conn.leave(docRoom(docId));
        return {};
      },
    }),
  ];
}
