/** Identifier helpers. */
import { randomBytes } from 'node:crypto';

/** A random URL-safe id (128 bits). */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}

let lastMs = 0;
let seq = 0;
/**
 * A time-ordered id: sorting by it sorts by creation time (used for messages and update logs so a
 * cursor is just an id). 9 base36 chars of ms + 4 of sequence + 8 random.
 */
export function newSortableId(now = Date.now()): string {
  if (now <= lastMs) {
    seq++;
    now = lastMs;
  } else {
    lastMs = now;
    seq = 0;
  }
  return now.toString(36).padStart(9, '0') + seq.toString(36).padStart(4, '0') + randomBytes(6).toString('base64url');
}

/** A short human-pasteable secret for invite links. */
export function newInviteCode(): string {
  return randomBytes(12).toString('base64url');
}
