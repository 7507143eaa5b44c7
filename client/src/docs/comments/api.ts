/** Typed calls to the comment endpoints (CONTRACT.md "Comments" and docs/API.md). */
import type { CommentRights, CommentView, ThreadAnchor, ThreadStatus, ThreadView } from '../../../../shared/comments';
import { api } from '../../lib/api';

const enc = encodeURIComponent;

export const commentsApi = {
  list: (docId: string) => api.get<{ threads: ThreadView[]; rights: CommentRights }>(`/api/docs/${enc(docId)}/threads`),
  create: (docId: string, body: { anchor: ThreadAnchor; quote: string; text: string; suggestion?: string | null }) =>
    api.post<{ thread: ThreadView }>(`/api/docs/${enc(docId)}/threads`, body).then((r) => r.thread),
  reply: (threadId: string, text: string) => api.post<{ comment: CommentView; thread: ThreadView }>(`/api/threads/${enc(threadId)}/comments`, { text }).then((r) => r.thread),
  setStatus: (threadId: string, status: ThreadStatus) => api.patch<{ thread: ThreadView }>(`/api/threads/${enc(threadId)}`, { status }).then((r) => r.thread),
  edit: (threadId: string, commentId: string, text: string) =>
    api.patch<{ thread: ThreadView }>(`/api/threads/${enc(threadId)}/comments/${enc(commentId)}`, { text }).then((r) => r.thread),
  remove: (threadId: string, commentId: string) =>
    api.delete<{ thread: ThreadView } | undefined>(`/api/threads/${enc(threadId)}/comments/${enc(commentId)}`).then((r) => r?.thread ?? null),
};
