/**
 * The rich-content code is loaded on first use, not at start: content.ts and export.ts bring tiptap's
 * schema (starter kit, tables, lists), ProseMirror, y-prosemirror and prosemirror-markdown, about 6 MB of
 * heap and 10 MB of RSS, while a server mostly opens, edits and versions documents as Yjs updates
 * without them (docs/BENCHMARKS.md, store bench). The production bundle puts them in chunks of their own
 * (scripts/build-server.mjs splits at dynamic imports). Import from here, never those modules directly,
 * outside server/docs/content.ts and export.ts themselves.
 */

/** Templates, restore, meeting-notes edits (server/docs/content.ts), loaded once on first use. */
export const loadContent = () => import('./content');

/** Markdown / HTML / CSV rendering of a document (server/docs/export.ts), loaded once on first use. */
export const loadExport = () => import('./export');
