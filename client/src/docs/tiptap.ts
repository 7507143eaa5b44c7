/**
 * Builds the Tiptap 3 editor bound to the document's Y.XmlFragment 'default': StarterKit without its own
 * history (undo is the Collaboration extension's Yjs undo: only your own edits), named coloured carets,
 * task lists, tables, and Mod-k for links.
 */
import { Editor, Extension, type AnyExtension } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import { TableKit } from '@tiptap/extension-table';
import StarterKit from '@tiptap/starter-kit';
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
      StarterKit.configure({
        undoRedo: false,
        // A trailing-paragraph rule would make every reader's editor write to the shared document.
        trailingNode: false,
        link: { openOnClick: false, autolink: true, protocols: ['http', 'https', 'mailto'], isAllowedUri: (url) => /^(https?:|mailto:)/i.test(url) },
      }),
      TaskList,
      TaskItem.configure({ nested: true }),
      TableKit.configure({ table: { resizable: false } }),
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
