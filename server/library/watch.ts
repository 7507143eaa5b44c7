/**
 * A space's "Names to watch" and the student-information check that reads it. The roster is kept only as
 * HMACs of normalised names under a per-space salt; no endpoint returns the names or the hashes.
 */
import type { StudentInfoFinding } from '../../shared/library';
import { accessSpace } from '../commands/access';
import type { LibraryDeps } from './deps';
import { checkStudentInfo, hashName, newSalt, normaliseName, rosterMatcher } from './student-info';

/** Replaces the space's roster (an empty list clears it); returns how many names are watched. */
export async function setNamesToWatch(d: LibraryDeps, userId: string, spaceId: string, names: string[]): Promise<{ count: number }> {
  await accessSpace(d.ctx, spaceId, userId, 'library.namesToWatch');
  // A new salt each time: hashes of an earlier roster cannot be compared with the new ones.
  const salt = newSalt();
  const hashes = [...new Set(names.map(normaliseName).filter(Boolean).map((n) => hashName(salt, n)))];
  await d.repo.watch.set({ _id: spaceId, salt, hashes, updatedBy: userId, updatedAt: new Date(d.ctx.now()) });
  return { count: hashes.length };
}

/** How many names the space watches and since when (never which). */
export async function namesToWatchInfo(d: LibraryDeps, userId: string, spaceId: string): Promise<{ count: number; updatedAt: string | null }> {
  await accessSpace(d.ctx, spaceId, userId, 'library.namesToWatch');
  const w = await d.repo.watch.get(spaceId);
  return { count: w?.hashes.length ?? 0, updatedAt: w?.updatedAt.toISOString() ?? null };
}

/** Runs the check over each part of what would be published, with the space's roster. */
export async function checkForSpace(d: LibraryDeps, spaceId: string, parts: { where: 'summary' | 'content'; text: string }[]): Promise<StudentInfoFinding[]> {
  const w = await d.repo.watch.get(spaceId);
  const watched = w && w.hashes.length ? rosterMatcher(w.salt, w.hashes) : undefined;
  return parts.flatMap((p) => checkStudentInfo(p.text, watched).map((f) => ({ ...f, where: p.where })));
}
