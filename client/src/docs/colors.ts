/** A stable caret colour per user: the same id always gets the same colour on every screen. */

// Dark enough for white label text (contrast >= 4.5:1), distinct enough side by side.
const PALETTE = ['#1d4ed8', '#b91c1c', '#047857', '#7c3aed', '#b45309', '#0e7490', '#be185d', '#4d7c0f', '#6d28d9', '#c2410c', '#0f766e', '#9d174d'];

/** FNV-1a hash of the id picks a palette entry (#rrggbb, as the caret extension requires). */
export function colorFor(userId: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return PALETTE[(h >>> 0) % PALETTE.length]!;
}
