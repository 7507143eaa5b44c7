/** Typed calls to the library endpoints (CONTRACT.md "Library" and docs/API.md "Library"). */
import type { DocLineage, Publication, PublicationDetail, PublishBody, Review, StudentInfoFinding } from '../../../shared/library';
import type { PublicUser } from '../../../shared/types';
import { api, request } from '../lib/api';

const enc = encodeURIComponent;

/** One spot the student-information check flagged. */
export type Finding = StudentInfoFinding;

export interface SearchResult {
  publications: Publication[];
  total: number;
  page: number;
  pageSize: number;
}

export const libraryApi = {
  search: (query: URLSearchParams) => api.get<SearchResult>(`/api/library?${query}`),
  /** Readable signed out when public: a 401 here is an answer, not a reason to leave the page. */
  get: (id: string) => api.get<PublicationDetail>(`/api/library/${enc(id)}`, { allowAnonymous: true }),
  remix: (id: string, spaceId: string) => api.post<{ doc: { id: string } }>(`/api/library/${enc(id)}/remix`, { spaceId }).then((r) => r.doc),
  withdraw: (id: string) => api.delete(`/api/library/${enc(id)}`),
  used: (id: string) => api.post<{ usedCount: number; usedByMe: boolean }>(`/api/library/${enc(id)}/used`),
  reviews: (id: string) => api.get<{ reviews: Review[] }>(`/api/library/${enc(id)}/reviews`).then((r) => r.reviews),
  review: (id: string, text: string) => api.post<{ review: Review }>(`/api/library/${enc(id)}/reviews`, { text }).then((r) => r.review),
  removeReview: (id: string, reviewId: string, reason = '') => request<void>('DELETE', `/api/library/${enc(id)}/reviews/${enc(reviewId)}`, { body: { reason } }),
  publishInfo: (docId: string) =>
    api.get<{ publication: Publication | null; proposedAuthors: PublicUser[]; members: PublicUser[] }>(`/api/docs/${enc(docId)}/publication`),
  publish: (docId: string, body: PublishBody) => api.post<{ publication: Publication }>(`/api/docs/${enc(docId)}/publish`, body).then((r) => r.publication),
  check: (docId: string) => api.post<{ findings: Finding[] }>(`/api/docs/${enc(docId)}/student-info-check`).then((r) => r.findings),
  lineage: (docId: string) => api.get<DocLineage>(`/api/docs/${enc(docId)}/lineage`).then((r) => r.remixedFrom),
  namesToWatch: (spaceId: string) => api.get<{ count: number; updatedAt: string | null }>(`/api/spaces/${enc(spaceId)}/names-to-watch`),
  setNamesToWatch: (spaceId: string, names: string[]) => request<{ count: number; updatedAt: string }>('PUT', `/api/spaces/${enc(spaceId)}/names-to-watch`, { body: { names } }),
};

/** Where an export of the frozen content downloads from. */
export const publicationExportUrl = (id: string, format: 'markdown' | 'html') => `/api/library/${enc(id)}/export?format=${format}`;
