/**
 * Comment routes (CONTRACT.md "Comments"), each a recipe: auth -> validate -> command -> present.
 *   GET    /docs/:docId/threads                                -> {threads, rights}  whoever reads the document
 *   POST   /docs/:docId/threads {anchor, quote, text, suggestion?} -> 201 {thread}  comments.post / comments.suggest
 *   POST   /threads/:threadId/comments {text}                  -> 201 {comment, thread}
 *   PATCH  /threads/:threadId {status}                         -> {thread}           comments.resolve / suggestions.decide
 *   PATCH  /threads/:threadId/comments/:commentId {text}       -> {thread}           the comment's author
 *   DELETE /threads/:threadId/comments/:commentId              -> {thread} or 204 when the thread went with its first comment
 */
import { Router } from 'express';
import { addCommentBody, createThreadBody, editCommentBody, threadStatusBody } from '../../shared/comments';
import { idParam, parse, requireUser, userIdOf } from '../http/kit';
import { addComment, createThread, deleteComment, editComment, listThreads, setStatus, type CommentsDeps } from './commands';

/** Routes under /api for comment threads. */
export function commentRoutes(d: CommentsDeps): Router {
  const r = Router();
  const threadId = (req: Parameters<typeof idParam>[0]) => idParam(req, 'threadId', 'That thread');

  r.get('/docs/:docId/threads', async (req, res) => {
    res.json(await listThreads(d, userIdOf(req), idParam(req, 'docId', 'That document')));
  });

  r.post('/docs/:docId/threads', async (req, res) => {
    const user = requireUser(req);
    const docId = idParam(req, 'docId', 'That document');
    const body = parse(createThreadBody, req.body);
    res.status(201).json({ thread: await createThread(d, user._id, docId, body) });
  });

  r.post('/threads/:threadId/comments', async (req, res) => {
    const user = requireUser(req);
    const id = threadId(req);
    const { text } = parse(addCommentBody, req.body);
    res.status(201).json(await addComment(d, user._id, id, text));
  });

  r.patch('/threads/:threadId', async (req, res) => {
    const user = requireUser(req);
    const id = threadId(req);
    const { status } = parse(threadStatusBody, req.body);
    res.json({ thread: await setStatus(d, user._id, id, status) });
  });

  r.patch('/threads/:threadId/comments/:commentId', async (req, res) => {
    const user = requireUser(req);
    const id = threadId(req);
    const commentId = idParam(req, 'commentId', 'That comment');
    const { text } = parse(editCommentBody, req.body);
    res.json({ thread: await editComment(d, user._id, id, commentId, text) });
  });

  r.delete('/threads/:threadId/comments/:commentId', async (req, res) => {
    const user = requireUser(req);
    const thread = await deleteComment(d, user._id, threadId(req), idParam(req, 'commentId', 'That comment'));
    if (thread) res.json({ thread });
    else res.status(204).end();
  });

  return r;
}
