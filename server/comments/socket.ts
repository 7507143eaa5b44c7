/**
 * `doc:watch` / `doc:unwatch`: a document page follows its threads in the document's own room, so it
 * needs no `space:join` (which would mark the reader "Online now" in the discussion and race the chat
 * view's own join and leave). Access is checked before the socket joins, so a stranger never receives
 * a thread.
 */
import { docRefPayload } from '../../shared/comments';
import type { Ack } from '../../shared/errors';
import { fromZod, toAppError } from '../errors';
import type { IoSocket } from '../realtime/io';
import { listThreads, type CommentsDeps } from './commands';

export const docRoom = (docId: string) => `doc:${docId}`;

/** Registers the comment handlers on one authenticated socket. */
export function commentsSocket(d: CommentsDeps, socket: IoSocket): void {
  const on = socket as unknown as { on(e: string, l: (...a: unknown[]) => void): void };
  const handle = (event: 'doc:watch' | 'doc:unwatch', run: (docId: string) => Promise<void>) =>
    on.on(event, async (payload: unknown, ack: unknown) => {
      if (typeof payload === 'function' && ack === undefined) [payload, ack] = [undefined, payload];
      const reply = typeof ack === 'function' ? (ack as (r: Ack<Record<string, never>>) => void) : () => {};
      try {
        await d.limit(socket.data.userId, 'watch');
        const r = docRefPayload.safeParse(payload ?? {});
        if (!r.success) throw fromZod(r.error, 'payload');
        await run(r.data.docId);
        reply({ data: {} });
      } catch (err) {
        const e = toAppError(err);
        if (e.code === 'internal') d.ctx.logger.error({ err, event }, 'comments socket handler failed');
        reply({ error: e.toBody() });
      }
    });
  handle('doc:watch', async (docId) => {
    // Reading the list is the access check (404 for strangers, 401 never: the socket is signed in).
    await listThreads(d, socket.data.userId, docId);
    await socket.join(docRoom(docId));
  });
  handle('doc:unwatch', async (docId) => {
    await socket.leave(docRoom(docId));
  });
}
