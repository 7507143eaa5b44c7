/**
 * Thread anchors in the editor: a selection becomes two Yjs relative positions in the `default`
 * fragment (so concurrent edits move them with the text), and an anchor becomes a ProseMirror range
 * again through y-tiptap's mapping. A range whose text was deleted collapses: that thread is "on deleted
 * text" and is still listed.
 */
import type { EditorState } from '@tiptap/pm/state';
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import type { ThreadAnchor } from '../../../../shared/comments';

interface SyncState {
  type: Y.XmlFragment;
  doc: Y.Doc;
  binding: { mapping: Map<Y.AbstractType<unknown>, unknown> } | null;
}

const syncOf = (state: EditorState) => ySyncPluginKey.getState(state) as SyncState | undefined;

const toB64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
function fromB64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * The anchor of the selection `from..to`, or null when the editor is not bound to the document yet.
 * y-tiptap makes every text position stick to the character on its left; the start of a comment must
 * stick to the phrase's own first character instead, or a word typed just before the phrase would join
 * the highlight. The end keeps sticking to the phrase's last character, so text typed after it stays out.
 */
export function anchorOf(state: EditorState, from: number, to: number): { from: string; to: string } | null {
  const s = syncOf(state);
  if (!s?.binding) return null;
  const mapping = s.binding.mapping as never;
  const start = absolutePositionToRelativePosition(from, s.type, mapping) as Y.RelativePosition;
  const abs = Y.createAbsolutePositionFromRelativePosition(start, s.doc);
  const startRight = abs && abs.type instanceof Y.XmlText && abs.index < abs.type.length ? Y.createRelativePositionFromTypeIndex(abs.type, abs.index, 0) : start;
  const end = absolutePositionToRelativePosition(to, s.type, mapping) as Y.RelativePosition;
  return { from: toB64(Y.encodeRelativePosition(startRight)), to: toB64(Y.encodeRelativePosition(end)) };
}

/** Where an anchor stands now, or null when its text was deleted (or it is not a text anchor). */
export function rangeOf(state: EditorState, anchor: ThreadAnchor): { from: number; to: number } | null {
  if ('lineId' in anchor) return null;
  const s = syncOf(state);
  if (!s?.binding) return null;
  try {
    const abs = (b64: string) => relativePositionToAbsolutePosition(s.doc, s.type, Y.decodeRelativePosition(fromB64(b64)), s.binding!.mapping as never);
    const from = abs(anchor.from);
    const to = abs(anchor.to);
    if (from === null || to === null || to <= from || to > state.doc.content.size) return null;
    return { from, to };
  } catch {
    return null;
  }
}
