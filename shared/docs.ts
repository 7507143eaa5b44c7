/**
 * Document shapes and payload schemas shared by the docs routes and the client (CONTRACT.md "Documents").
 * Content lives in Yjs (see shared/templates.ts); these are the metadata around it.
 */
import { z } from 'zod';
import type { PublicUser, Role } from './types';
import type { BudgetCurrency } from './budget';
import { text } from './schemas';

export const TEMPLATE_IDS = ['blank', 'curriculum-unit', 'lesson-plan', 'meeting-notes', 'action-research', 'budget'] as const;
export type TemplateId = (typeof TEMPLATE_IDS)[number];

export const EXPORT_FORMATS = ['markdown', 'html', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const DOC_LIMITS = { titleMax: 200, versionNameMax: 120 } as const;

/** Public document metadata. */
export interface Doc {
  id: string;
  spaceId: string;
  title: string;
  template: TemplateId;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** `GET /api/docs/:docId`. */
export interface DocWithAccess {
  doc: Doc;
  role: Role;
  canEdit: boolean;
  space: { id: string; name: string; currency: BudgetCurrency };
}

export type VersionKind = 'named' | 'auto';

/** A stored snapshot of a document's full state. */
export interface DocVersion {
  id: string;
  docId: string;
  name: string;
  kind: VersionKind;
  createdAt: string;
  createdBy: PublicUser | null;
}

/** `GET /api/docs/:docId/versions/:versionId`: the version plus its state (`Y.encodeStateAsUpdate`, base64). */
export interface DocVersionWithState {
  version: DocVersion;
  state: string;
}

export const templateSchema = z.enum(TEMPLATE_IDS, { error: `Template must be one of ${TEMPLATE_IDS.join(', ')}` });

export const createDocBody = z.strictObject({
  title: text(DOC_LIMITS.titleMax, 'Title'),
  template: templateSchema,
});

export const updateDocBody = z
  .strictObject({
    title: text(DOC_LIMITS.titleMax, 'Title').optional(),
    archived: z.boolean({ error: 'archived must be true or false' }).optional(),
  })
  .refine((b) => b.title !== undefined || b.archived !== undefined, { error: 'Nothing to change' });

export const listDocsQuery = z.strictObject({
  archived: z.enum(['true', 'false'], { error: 'archived must be true or false' }).optional(),
});

export const exportQuery = z.strictObject({
  format: z.enum(EXPORT_FORMATS, { error: `format must be one of ${EXPORT_FORMATS.join(', ')}` }),
  /** `open`: the open comment threads follow as numbered notes (Markdown and HTML). */
  comments: z.enum(['none', 'open'], { error: 'comments must be none or open' }).optional(),
});

export const createVersionBody = z.strictObject({
  name: text(DOC_LIMITS.versionNameMax, 'Name'),
});

export type CreateDocBody = z.infer<typeof createDocBody>;
export type UpdateDocBody = z.infer<typeof updateDocBody>;
