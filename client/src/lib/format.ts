/** Human wording for dates, kinds and roles. */
import { ROLE_LABELS, SPACE_KIND_LABELS, type Role, type SpaceKind } from '../../../shared/types';

export const kindLabel = (k: SpaceKind): string => SPACE_KIND_LABELS[k] ?? k;
export const roleLabel = (r: Role): string => ROLE_LABELS[r] ?? r;

/** "12 Mar 2026, 14:05" in the reader's locale. */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "12 Mar 2026" in the reader's locale. */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(undefined, { dateStyle: 'medium' });
}
