/**
 * Open comment threads in an export, as numbered notes: a marker `[n]` is written after each thread's
 * text (into the snapshot copy being exported, at the thread's end anchor, so it lands where the
 * highlight ends), and the notes follow the document under "Comments". Threads whose text was deleted
 * and budget-line threads get no marker; their notes say what they were on.
 */
import * as Y from 'yjs';
import { escapeHtml } from '../../shared/html';

/** One thread as the export shows it (the comments feature supplies them through the docs port). */
export interface ExportNote {
  /** Base64 Yjs relative position of the thread's end, for rich text. */
  to: string | null;
  quote: string;
  comments: { author: string; text: string }[];
}

/** The notes of a document, supplied by the comments feature (absent without it). */
export type ExportNotesProvider = (docId: string) => Promise<ExportNote[]>;

/** Writes `[n]` markers into `ydoc` (a copy) and says which notes got one. */
export function markNotes(ydoc: Y.Doc, notes: ExportNote[]): boolean[] {
  return notes.map((n, i) => {
    if (!n.to) return false;
    try {
      const abs = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(new Uint8Array(Buffer.from(n.to, 'base64'))), ydoc);
      if (!abs || !(abs.type instanceof Y.XmlText)) return false;
      // A deleted phrase leaves its end item deleted: no marker, the note says so.
      const item = (Y.decodeRelativePosition(new Uint8Array(Buffer.from(n.to, 'base64'))) as { item: Y.ID | null }).item;
      if (item) {
        const struct = Y.getItem(ydoc.store, item);
        if (struct.deleted) return false;
      }
      abs.type.insert(abs.index, ` [${i + 1}]`);
      return true;
    } catch {
      return false;
    }
  });
}

const line = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The notes as a Markdown section. */
export function notesMarkdown(notes: ExportNote[], marked: boolean[]): string {
  if (!notes.length) return '';
  const items = notes.map((n, i) => {
    const on = marked[i] ? `on “${line(n.quote)}”` : `on “${line(n.quote)}” (text since deleted or a budget line)`;
    const said = n.comments.map((c) => `   - ${line(c.author)}: ${line(c.text)}`).join('\n');
    return `${i + 1}. ${on}\n${said}`;
  });
  return `\n## Comments\n\n${items.join('\n')}\n`;
}

/** The notes as an HTML section. */
export function notesHtml(notes: ExportNote[], marked: boolean[]): string {
  if (!notes.length) return '';
  const items = notes.map((n, i) => {
    const on = `on “${escapeHtml(line(n.quote))}”${marked[i] ? '' : ' (text since deleted or a budget line)'}`;
    const said = n.comments.map((c) => `<li><strong>${escapeHtml(c.author)}</strong>: ${escapeHtml(c.text)}</li>`).join('');
    return `<li id="comment-${i + 1}">${on}<ul>${said}</ul></li>`;
  });
  return `<section class="comments"><h2>Comments</h2><ol>${items.join('')}</ol></section>\n`;
}
