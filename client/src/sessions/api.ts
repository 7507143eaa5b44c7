/** Typed calls to the live-sessions endpoints (server/sessions/README.md "HTTP"): sessions, norms, action items. */
import type { ProtocolTemplate } from '../../../shared/protocols';
import type {
  ActionItem,
  ActionItemFilter,
  CreateActionItemBody,
  CreateSessionBody,
  Decision,
  Session,
  SessionDetail,
  SessionListItem,
  SessionSummary,
  UpdateActionItemBody,
  UpdateSessionBody,
} from '../../../shared/sessions';
import { api, request } from '../lib/api';

const enc = encodeURIComponent;

/** GET /api/protocols: the protocol templates a session can start from. */
export const listProtocols = () => api.get<{ protocols: ProtocolTemplate[] }>('/api/protocols').then((r) => r.protocols);

/** GET /api/spaces/:spaceId/sessions (newest first). */
export const listSessions = (spaceId: string) =>
  api.get<{ sessions: SessionListItem[] }>(`/api/spaces/${enc(spaceId)}/sessions`).then((r) => r.sessions);

/** POST /api/spaces/:spaceId/sessions: from a template (`protocol`) or own `steps`. */
export const createSession = (spaceId: string, body: CreateSessionBody) =>
  api.post<{ session: Session }>(`/api/spaces/${enc(spaceId)}/sessions`, body).then((r) => r.session);

/** GET /api/sessions/:sessionId: the session with the caller's role, decisions and action items. */
export const getSession = (sessionId: string) => api.get<SessionDetail>(`/api/sessions/${enc(sessionId)}`);

/** PATCH /api/sessions/:sessionId: title, schedule, roles, notes document. */
export const updateSession = (sessionId: string, patch: UpdateSessionBody) =>
  api.patch<{ session: Session }>(`/api/sessions/${enc(sessionId)}`, patch).then((r) => r.session);

/** GET /api/sessions/:sessionId/summary (JSON). */
export const getSummary = (sessionId: string) =>
  api.get<{ summary: SessionSummary }>(`/api/sessions/${enc(sessionId)}/summary`).then((r) => r.summary);

/** The download URL of a session summary as Markdown. */
export const summaryMarkdownUrl = (sessionId: string) => `/api/sessions/${enc(sessionId)}/summary?format=markdown`;

/** GET /api/spaces/:spaceId/norms. */
export const getNorms = (spaceId: string) => api.get<{ norms: string[] }>(`/api/spaces/${enc(spaceId)}/norms`).then((r) => r.norms);

/** PUT /api/spaces/:spaceId/norms: replaces the whole list (facilitators). */
export const putNorms = (spaceId: string, norms: string[]) =>
  request<{ norms: string[] }>('PUT', `/api/spaces/${enc(spaceId)}/norms`, { body: { norms } }).then((r) => r.norms);

/** POST /api/sessions/:sessionId/decisions. */
export const addDecision = (sessionId: string, text: string) =>
  api.post<{ decision: Decision }>(`/api/sessions/${enc(sessionId)}/decisions`, { text }).then((r) => r.decision);

/** POST /api/sessions/:sessionId/action-items. */
export const createActionItem = (sessionId: string, body: CreateActionItemBody) =>
  api.post<{ actionItem: ActionItem }>(`/api/sessions/${enc(sessionId)}/action-items`, body).then((r) => r.actionItem);

/** GET /api/spaces/:spaceId/action-items?filter=... (open first, by due date). */
export const listActionItems = (spaceId: string, filter: ActionItemFilter = 'all') =>
  api.get<{ actionItems: ActionItem[] }>(`/api/spaces/${enc(spaceId)}/action-items?filter=${enc(filter)}`).then((r) => r.actionItems);

/** PATCH /api/action-items/:itemId: done, text, owner, due date. */
export const updateActionItem = (itemId: string, patch: UpdateActionItemBody) =>
  api.patch<{ actionItem: ActionItem }>(`/api/action-items/${enc(itemId)}`, patch).then((r) => r.actionItem);

/** All of the above as one object, for callers that prefer `sessionsApi.get(id)`-style use. */
export const sessionsApi = {
  listProtocols,
  list: listSessions,
  create: createSession,
  get: getSession,
  update: updateSession,
  summary: getSummary,
  getNorms,
  putNorms,
  addDecision,
  createActionItem,
  listActionItems,
  updateActionItem,
};
