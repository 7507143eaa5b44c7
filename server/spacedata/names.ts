/** File names inside and of a space export: safe on every system, stable, and never colliding. */

/** The safe characters of `title` (letters, digits, spaces as dashes), at most 60 of them. */
export function safeName(title: string, fallback = 'untitled'): string {
  return title.normalize('NFKD').replace(/[^\w\s-]/g, '').trim().replace(/\s+/g, '-').slice(0, 60) || fallback;
}

/** A name for one record's file: its title made safe, then its id, so two equal titles never collide. */
export const entryName = (title: string, id: string) => `${safeName(title)}--${id}`;

/** The ZIP's own name: the space and the day. */
export const exportFileName = (spaceName: string, at: Date) => `${safeName(spaceName, 'space')}-export-${at.toISOString().slice(0, 10)}.zip`;
