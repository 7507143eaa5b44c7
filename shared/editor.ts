/**
 * The rich-text editor's content model, built once from the Tiptap extensions the editor uses, so that the
 * browser editor, the server's template writer (y-prosemirror) and the export serialisers share one schema.
 * The client adds its collaboration extensions on top; they add no node or mark.
 */
import { getSchema, type Extensions } from '@tiptap/core';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import { TableKit } from '@tiptap/extension-table';
import StarterKit from '@tiptap/starter-kit';
import type { Schema } from '@tiptap/pm/model';
import { isSafeHref, SAFE_LINK_PROTOCOLS } from './links';

/** The content extensions of the document editor (nodes, marks and their input rules). */
export function contentExtensions(): Extensions {
  return [
    StarterKit.configure({
      // Undo is the Collaboration extension's Yjs undo (only your own edits).
      undoRedo: false,
      // A trailing-paragraph rule would make every reader's editor write to the shared document.
      trailingNode: false,
      link: { openOnClick: false, autolink: true, protocols: [...SAFE_LINK_PROTOCOLS], isAllowedUri: (url) => isSafeHref(url) },
    }),
    TaskList,
    TaskItem.configure({ nested: true }),
    TableKit.configure({ table: { resizable: false } }),
  ];
}

let schema: Schema | undefined;

/** The ProseMirror schema of document bodies (built on first use, then shared). */
export function editorSchema(): Schema {
  schema ??= getSchema(contentExtensions());
  return schema;
}
