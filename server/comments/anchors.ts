/**
 * Anchor checks. A range anchor must decode as two Yjs relative positions, or it could never be drawn
 * and would only be junk in the store; a budget anchor names a line id (lines may come and go, so its
 * existence is the client's to show, like deleted text).
 */
import * as Y from 'yjs';
import type { ThreadAnchor } from '../../shared/comments';
import { invalidPayload } from '../errors';

function decodes(b64: string): boolean {
  try {
    const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
    if (bytes.length === 0) return false;
    // Round-trips exactly only when the bytes are one well-formed relative position and nothing else.
    return Buffer.from(Y.encodeRelativePosition(Y.decodeRelativePosition(bytes))).equals(Buffer.from(bytes));
  } catch {
    return false;
  }
}

/** Throws invalid_payload unless `anchor` fits the document's kind and decodes. */
export function checkAnchor(anchor: ThreadAnchor, kind: 'rich' | 'budget'): void {
  if ('lineId' in anchor) {
    if (kind !== 'budget') throw invalidPayload('anchor: a rich-text document takes { from, to }', { fields: [{ field: 'anchor', message: 'use { from, to }' }] });
    return;
  }
  if (kind !== 'rich') throw invalidPayload('anchor: a budget takes { lineId }', { fields: [{ field: 'anchor', message: 'use { lineId }' }] });
  for (const k of ['from', 'to'] as const) {
    if (!decodes(anchor[k])) throw invalidPayload(`anchor.${k}: not a Yjs relative position`, { fields: [{ field: `anchor.${k}`, message: 'must be a base64 Yjs relative position' }] });
  }
}
