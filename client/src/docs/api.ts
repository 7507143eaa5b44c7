/** Typed calls to the docs endpoints (CONTRACT.md "Documents" and docs/API.md). */
import type { Doc, DocVersion, DocVersionWithState, DocWithAccess, ExportFormat, TemplateId } from '../../../shared/docs';
import { api } from '../lib/api';

const enc = encodeURIComponent;

export const docsApi = {
  list: (spaceId: string, archived = false) =>
    api.get<{ docs: Doc[] }>(`/api/spaces/${enc(spaceId)}/docs${archived ? '?archived=true' : ''}`).then((r) => r.docs),
  create: (spaceId: string, title: string, template: TemplateId) =>
    api.post<{ doc: Doc }>(`/api/spaces/${enc(spaceId)}/docs`, { title, template }).then((r) => r.doc),
  get: (docId: string) => api.get<DocWithAccess>(`/api/docs/${enc(docId)}`),
  update: (docId: string, body: { title?: string; archived?: boolean }) => api.patch<{ doc: Doc }>(`/api/docs/${enc(docId)}`, body).then((r) => r.doc),
  versions: (docId: string) => api.get<{ versions: DocVersion[] }>(`/api/docs/${enc(docId)}/versions`).then((r) => r.versions),
  nameVersion: (docId: string, name: string) => api.post<{ version: DocVersion }>(`/api/docs/${enc(docId)}/versions`, { name }).then((r) => r.version),
  version: (docId: string, versionId: string) => api.get<DocVersionWithState>(`/api/docs/${enc(docId)}/versions/${enc(versionId)}`),
  restore: (docId: string, versionId: string) => api.post(`/api/docs/${enc(docId)}/versions/${enc(versionId)}/restore`),
};

/** The download URL of an export. */
export const exportUrl = (docId: string, format: ExportFormat, withComments = false) =>
  `/api/docs/${enc(docId)}/export?format=${format}${withComments && format !== 'csv' ? '&comments=open' : ''}`;

/** Bytes from the base64 the versions endpoint sends. */
export function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
