/**
 * The community library (CONTRACT.md "Library"): public shapes, limits and the zod schemas of every
 * payload, shared by the server (validation) and the client (forms).
 */
import { z } from 'zod';
import { TEMPLATE_IDS, type TemplateId } from './docs';
import { idSchema, optionalText, text } from './schemas';
import type { PublicUser } from './types';

export const LICENSES = ['CC-BY-4.0', 'CC-BY-SA-4.0', 'CC-BY-NC-4.0', 'all-rights-reserved'] as const;
export type License = (typeof LICENSES)[number];
/** How each license reads on a page and in a remix's attribution line. */
export const LICENSE_LABELS: Record<License, string> = {
  'CC-BY-4.0': 'CC BY 4.0',
  'CC-BY-SA-4.0': 'CC BY-SA 4.0',
  'CC-BY-NC-4.0': 'CC BY-NC 4.0',
  'all-rights-reserved': 'All rights reserved',
};

export const PUBLICATION_VISIBILITIES = ['signed-in', 'public'] as const;
export type PublicationVisibility = (typeof PUBLICATION_VISIBILITIES)[number];

export const LIBRARY_SORTS = ['newest', 'most-used'] as const;
export type LibrarySort = (typeof LIBRARY_SORTS)[number];

export const LIBRARY_LIMITS = {
  summaryMax: 1000,
  tagMax: 40,
  tagsMax: 10,
  authorsMax: 30,
  reasonMax: 500,
  reviewMax: 2000,
  pageSizeMax: 50,
  pageSizeDefault: 20,
  queryMax: 100,
  /** A roster pasted into "Names to watch": lines, each a name. */
  namesMax: 500,
  nameMax: 100,
  /** Frozen Markdown kept per version; larger documents are refused at publish. */
  contentMax: 500_000,
  findingsMax: 200,
} as const;

/** One spot the student-information check flagged. */
export interface StudentInfoFinding {
  kind: 'email' | 'phone' | 'id-number' | 'date-of-birth' | 'watched-name';
  /** The text around the spot (a snippet), and where the flagged text starts in the checked text. */
  snippet: string;
  position: number;
  length: number;
  /** Which part of what is published it was found in (publish checks the summary too). */
  where?: 'summary' | 'content';
}

export interface Publication {
  id: string;
  docId: string;
  spaceId: string;
  title: string;
  summary: string;
  template: TemplateId;
  subjects: string[];
  grades: string[];
  license: License;
  visibility: PublicationVisibility;
  authors: PublicUser[];
  version: number;
  publishedAt: string;
  remixedFrom: { publicationId: string; version: number } | null;
  remixCount: number;
  usedCount: number;
  reviewCount: number;
  withdrawn: boolean;
}

/** One published version: its number, date and what changed from the one before. */
export interface PublicationVersion {
  version: number;
  publishedAt: string;
  changes: ChangeSummary | null;
}

/** A line diff summary of two versions' Markdown. */
export interface ChangeSummary {
  linesAdded: number;
  linesRemoved: number;
  /** A few added or removed lines, to show what changed. */
  sample: { op: '+' | '-'; line: string }[];
}

/** The detail page: the publication, its frozen content, versions, lineage and the caller's rights. */
export interface PublicationDetail {
  publication: Publication;
  markdown: string;
  html: string;
  versions: PublicationVersion[];
  origin: { id: string; title: string; withdrawn: boolean } | null;
  remixes: { id: string; title: string }[];
  usedByMe: boolean;
  canWithdraw: boolean;
  canModerate: boolean;
}

export interface Review {
  id: string;
  publicationId: string;
  author: PublicUser;
  text: string;
  createdAt: string;
}

/** One review a facilitator of the publishing space removed (the space's library moderation log). */
export interface LibraryModerationEntry {
  id: string;
  publication: { id: string; title: string };
  actor: PublicUser;
  author: PublicUser;
  text: string;
  reason: string;
  at: string;
}

/** What a remixed document knows of its original: a newer version means the original moved on. */
export interface DocLineage {
  remixedFrom: { publicationId: string; version: number; title: string; latestVersion: number; withdrawn: boolean; changes: ChangeSummary | null } | null;
}

const tag = text(LIBRARY_LIMITS.tagMax, 'A tag');
const tags = z.array(tag).max(LIBRARY_LIMITS.tagsMax, { error: `At most ${LIBRARY_LIMITS.tagsMax}` });

export const publishBody = z.strictObject({
  summary: optionalText(LIBRARY_LIMITS.summaryMax, 'Summary'),
  subjects: tags,
  grades: tags,
  license: z.enum(LICENSES),
  visibility: z.enum(PUBLICATION_VISIBILITIES).optional(),
  /** User ids to credit (default: every proposed contributor). */
  authors: z.array(idSchema).min(1, { error: 'Credit at least one author' }).max(LIBRARY_LIMITS.authorsMax).optional(),
  confirmStudentInfo: text(LIBRARY_LIMITS.reasonMax, 'Reason').optional(),
});
export type PublishBody = z.infer<typeof publishBody>;

const optionalTag = z.string().trim().max(LIBRARY_LIMITS.tagMax).optional();
export const libraryQuery = z.strictObject({
  q: z.string().max(LIBRARY_LIMITS.queryMax).optional(),
  subject: optionalTag,
  grade: optionalTag,
  template: z.enum(TEMPLATE_IDS).optional(),
  license: z.enum(LICENSES).optional(),
  sort: z.enum(LIBRARY_SORTS).optional(),
  page: z.coerce.number().int().min(1).max(1000).optional(),
  pageSize: z.coerce.number().int().min(1).max(LIBRARY_LIMITS.pageSizeMax).optional(),
});
export type LibraryQuery = z.infer<typeof libraryQuery>;

export const remixBody = z.strictObject({ spaceId: idSchema });
export const reviewBody = z.strictObject({ text: text(LIBRARY_LIMITS.reviewMax, 'Review') });
export const moderateBody = z.strictObject({ reason: optionalText(LIBRARY_LIMITS.reasonMax, 'Reason').optional() });
export const namesToWatchBody = z.strictObject({
  names: z.array(text(LIBRARY_LIMITS.nameMax, 'A name')).max(LIBRARY_LIMITS.namesMax, { error: `At most ${LIBRARY_LIMITS.namesMax} names` }),
});

/** Splits a pasted roster (one name a line, or separated by commas/semicolons) into names. */
export function rosterNames(pasted: string): string[] {
  return pasted
    .split(/[\n;,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
