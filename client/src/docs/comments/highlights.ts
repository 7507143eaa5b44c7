/**
 * Draws comment threads as decorations (never as marks, which break on undo, overlap and deletion).
 * Like y-tiptap's caret plugin: a remote change or a refresh recomputes every range from its relative
 * positions; a local edit maps the previous decorations (the Yjs mapping lags one step behind it) and
 * a refresh follows shortly after. Each recompute reports where every thread stands, so the panel can
 * order threads and mark those on deleted text.
 */
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import type { ThreadAnchor } from '../../../../shared/comments';
import { rangeOf } from './anchors';

export const highlightsKey = new PluginKey<DecorationSet>('commentHighlights');

export interface HighlightSource {
  /** The threads to draw (open ones, or all when resolved ones are shown). */
  visible(): { id: string; anchor: ThreadAnchor }[];
  activeId(): string | null;
  /** Every recompute: thread id -> range, or null when its text is gone. */
  positions(map: Map<string, { from: number; to: number } | null>): void;
  /** A highlight was clicked. */
  activate(threadId: string): void;
  /** Ctrl+Alt+M: comment on the selection. */
  commentShortcut(): void;
  /** Ctrl+Alt+J: go to the comment at the cursor. */
  jumpShortcut(): void;
}

function build(state: EditorState, src: HighlightSource): DecorationSet {
  const map = new Map<string, { from: number; to: number } | null>();
  const decos: Decoration[] = [];
  const active = src.activeId();
  for (const t of src.visible()) {
    const r = rangeOf(state, t.anchor);
    map.set(t.id, r);
    if (r) decos.push(Decoration.inline(r.from, r.to, { class: t.id === active ? 'comment-highlight active' : 'comment-highlight', 'data-thread-id': t.id }, { threadId: t.id }));
  }
  queueMicrotask(() => src.positions(map));
  return DecorationSet.create(state.doc, decos);
}

/** The thread whose highlight covers `pos` (the innermost, when they overlap), if any. */
export function threadAt(state: EditorState, pos: number): string | null {
  const found = highlightsKey.getState(state)?.find(pos, pos) ?? [];
  const last = found[found.length - 1];
  return last ? (last.spec as { threadId: string }).threadId : null;
}

/** Asks the editor to recompute the highlights (threads changed, or the active one did). */
export const refreshMeta = { refresh: true };

/** The Tiptap extension; `source` is read on every recompute. */
export function commentHighlights(source: HighlightSource) {
  return Extension.create({
    name: 'commentHighlights',
    addKeyboardShortcuts: () => ({
      'Mod-Alt-m': () => (source.commentShortcut(), true),
      'Mod-Alt-j': () => (source.jumpShortcut(), true),
    }),
    addProseMirrorPlugins() {
      let timer: ReturnType<typeof setTimeout> | null = null;
      return [
        new Plugin<DecorationSet>({
          key: highlightsKey,
          state: {
            init: (_c, state) => build(state, source),
            apply(tr, prev, _old, state) {
              const remote = (tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined)?.isChangeOrigin;
              if (remote || tr.getMeta(highlightsKey)) return build(state, source);
              return tr.docChanged ? prev.map(tr.mapping, tr.doc) : prev;
            },
          },
          view: () => ({
            update(view, prevState) {
              if (view.state.doc === prevState.doc) return;
              // After a local edit, recompute once the Yjs side has caught up.
              if (timer) clearTimeout(timer);
              timer = setTimeout(() => !view.isDestroyed && view.dispatch(view.state.tr.setMeta(highlightsKey, refreshMeta)), 300);
            },
            destroy: () => void (timer && clearTimeout(timer)),
          }),
          props: {
            decorations: (state) => highlightsKey.getState(state),
            handleClick(view, pos) {
              const id = threadAt(view.state, pos);
              if (id) source.activate(id);
              return false;
            },
          },
        }),
      ];
    },
  });
}
