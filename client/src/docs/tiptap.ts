/**
 * Builds the Tiptap 3 editor bound to the document's Y.XmlFragment 'default': the shared content extensions
 * (shared/editor.ts: StarterKit without its own history, task lists, tables, links under the safe-link
 * rule), named coloured carets, and Mod-k for links.
 */
import { Editor, Extension, type AnyExtension } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import { contentExtensions } from '../../../shared/editor';
import type { CollabDoc } from './collab.svelte';

export interface EditorOptions {
  element: HTMLElement;
  collab: CollabDoc;
  editable: boolean;
  /** Mod-k: open the link form. */
  onLinkShortcut: () => void;
  onTransaction: () => void;
  /** More extensions (comment highlights). */
  extensions?: AnyExtension[];
}

/** A new editor inside `element`; call `destroy()` when done. */
export function createEditor(o: EditorOptions): Editor {
  const LinkShortcut = Extension.create({
    name: 'linkShortcut',
    addKeyboardShortcuts: () => ({
      'Mod-k': () => {
        o.onLinkShortcut();
        return true;
      },
    }),
  });
  return new Editor({
    element: o.element,
    editable: o.editable,
    extensions: [
      // Nodes and marks: the same schema the server writes templates and exports with.
      ...contentExtensions(),
      Collaboration.configure({ document: o.collab.doc, field: 'default' }),
      CollaborationCaret.configure({ provider: o.collab.provider, user: { id: o.collab.user.id, name: o.collab.user.name, color: o.collab.user.color } }),
      LinkShortcut,
      ...(o.extensions ?? []),
    ],
    editorProps: {
      attributes: {
        class: 'doc-body',
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-label': 'Document body',
        ...(o.editable ? {} : { 'aria-readonly': 'true' }),
      },
    },
    onTransaction: o.onTransaction,
  });
}
