/**
 * The comment threads of one open document: loaded over HTTP, kept live through `doc:watch`
 * (thread:changed / thread:removed), reloaded after a reconnect so nothing missed is lost. It also
 * links the threads to the editor: the highlight source, the new-thread draft taken from the
 * selection, accepting a suggestion as the editor's own edit, and moving between a highlight and its
 * thread.
 */
import type { Editor } from '@tiptap/core';
import { TextSelection } from '@tiptap/pm/state';
import { tick } from 'svelte';
import type { CommentRights, ThreadAnchor, ThreadStatus, ThreadView } from '../../../../shared/comments';
import { ApiError } from '../../lib/api';
import { connection } from '../../lib/socket';
import { anchorOf } from './anchors';
import { commentsApi } from './api';
import { highlightsKey, refreshMeta, threadAt, type HighlightSource } from './highlights';

export interface Draft {
  anchor: ThreadAnchor;
  quote: string;
  suggest: boolean;
}

const NO_RIGHTS: CommentRights = { post: false, suggest: false, resolve: false, decide: false, moderate: false };

export class CommentThreads {
  threads = $state<ThreadView[]>([]);
  rights = $state<CommentRights>(NO_RIGHTS);
  loaded = $state(false);
  error = $state<string | null>(null);
  showResolved = $state(false);
  activeId = $state<string | null>(null);
  /** Thread id -> where its text stands in the editor; null when that text was deleted. */
  positions = $state.raw(new Map<string, { from: number; to: number } | null>());
  draft = $state<Draft | null>(null);
  /** Said politely by the panel's live region. */
  announcement = $state('');
  /** Shown near the Comment button when there is nothing to comment on. */
  hint = $state('');

  editor: Editor | null = null;
  private cleanup: (() => void)[] = [];
  private stopped = false;
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly docId: string,
    readonly me: { id: string; name: string },
  ) {}

  /** Loads the threads and starts following them. */
  start(): void {
    const onChanged = ({ thread }: { thread: ThreadView }) => {
      if (thread.docId !== this.docId) return;
      const i = this.threads.findIndex((t) => t.id === thread.id);
      const last = thread.comments[thread.comments.length - 1];
      if (i < 0) {
        this.threads = [...this.threads, thread];
        if (thread.author.id !== this.me.id) this.announcement = `New comment from ${thread.author.name}: ${thread.comments[0]?.text ?? ''}`;
      } else {
        const before = this.threads[i]!;
        this.threads = this.threads.map((t) => (t.id === thread.id ? thread : t));
        if (last && thread.comments.length > before.comments.length && last.author.id !== this.me.id) this.announcement = `${last.author.name} replied: ${last.text}`;
      }
      this.refresh();
    };
    const onRemoved = ({ docId, threadId }: { docId: string; threadId: string }) => {
      if (docId !== this.docId) return;
      this.threads = this.threads.filter((t) => t.id !== threadId);
      if (this.activeId === threadId) this.activeId = null;
      this.refresh();
    };
    this.cleanup.push(
      connection.on('thread:changed', onChanged),
      connection.on('thread:removed', onRemoved),
      connection.onReconnect(() => void this.follow()),
    );
    void this.follow();
  }

  /**
   * Joins the document's room, then (re)loads, so nothing said in between is missed. A join that fails
   * (offline, a slow server) is tried again shortly, and the list reloaded once it succeeds.
   */
  private async follow(): Promise<void> {
    let watching = false;
    try {
      const ack = await connection.request('doc:watch', { docId: this.docId });
      // A refusal (access gone, logged out) is final: retrying would only be refused again.
      watching = 'data' in ack || ['not_found', 'forbidden', 'authentication_required'].includes(ack.error.code);
    } catch {
      // Offline or slow: the list below still loads; the retry (or the reconnect handler) joins later.
    }
    await this.load();
    if (!watching && !this.stopped) this.retry = setTimeout(() => void this.follow(), 3_000);
  }

  async load(): Promise<void> {
    try {
      const r = await commentsApi.list(this.docId);
      this.threads = r.threads;
      this.rights = r.rights;
      this.error = null;
    } catch (err) {
      this.error = err instanceof ApiError ? err.message : 'Could not load the comments.';
    } finally {
      this.loaded = true;
      this.refresh();
    }
  }

  /** Threads shown in the panel: open ones (and the others when asked), in document order. */
  get listed(): ThreadView[] {
    const shown = this.threads.filter((t) => this.showResolved || t.status === 'open');
    const at = (t: ThreadView) => this.positions.get(t.id)?.from ?? Number.MAX_SAFE_INTEGER;
    return shown.sort((a, b) => at(a) - at(b) || a.createdAt.localeCompare(b.createdAt));
  }

  get openCount(): number {
    return this.threads.filter((t) => t.status === 'open').length;
  }

  /** True when the thread's text was deleted (it stays listed, marked). */
  orphaned(t: ThreadView): boolean {
    return !('lineId' in t.anchor) && this.positions.has(t.id) && this.positions.get(t.id) === null;
  }

  /** What the editor's highlight plugin reads. */
  readonly source: HighlightSource = {
    visible: () => this.threads.filter((t) => this.showResolved || t.status === 'open'),
    activeId: () => this.activeId,
    positions: (map) => (this.positions = map),
    activate: (id) => this.focusThread(id),
    commentShortcut: () => this.startDraft(false),
    jumpShortcut: () => {
      const id = this.editor ? threadAt(this.editor.state, this.editor.state.selection.from) : null;
      if (id) this.focusThread(id);
      else this.hint = 'There is no comment at the cursor.';
    },
  };

  attach(editor: Editor): void {
    this.editor = editor;
    this.refresh();
  }

  /** Redraws the highlights. */
  refresh(): void {
    const ed = this.editor;
    if (ed && !ed.isDestroyed) ed.view.dispatch(ed.state.tr.setMeta(highlightsKey, refreshMeta));
  }

  /** Opens the new-thread form on the editor's selection, or says why it cannot. */
  startDraft(suggest: boolean): void {
    this.hint = '';
    const ed = this.editor;
    if (!ed) return;
    const { from, to, empty } = ed.state.selection;
    if (empty) {
      this.hint = 'Select some text in the document first, then press Comment.';
      return;
    }
    const anchor = anchorOf(ed.state, from, to);
    if (!anchor) {
      this.hint = 'The document is still loading. Try again in a moment.';
      return;
    }
    this.draft = { anchor, quote: ed.state.doc.textBetween(from, to, ' '), suggest };
  }

  /** Opens the form for a budget line's thread. */
  startLineDraft(lineId: string, quote: string): void {
    this.draft = { anchor: { lineId }, quote, suggest: false };
  }

  async post(text: string, suggestion: string | null): Promise<ThreadView> {
    const d = this.draft;
    if (!d) throw new Error('no draft');
    const t = await commentsApi.create(this.docId, { anchor: d.anchor, quote: d.quote, text, ...(d.suggest ? { suggestion } : {}) });
    this.upsert(t);
    this.draft = null;
    this.activeId = t.id;
    this.refresh();
    return t;
  }

  async reply(threadId: string, text: string): Promise<void> {
    this.upsert(await commentsApi.reply(threadId, text));
  }

  async setStatus(threadId: string, status: ThreadStatus): Promise<void> {
    this.upsert(await commentsApi.setStatus(threadId, status));
    this.announcement = status === 'open' ? 'Thread reopened.' : `Thread ${status}.`;
    this.refresh();
  }

  async edit(threadId: string, commentId: string, text: string): Promise<void> {
    this.upsert(await commentsApi.edit(threadId, commentId, text));
  }

  async remove(threadId: string, commentId: string): Promise<void> {
    const t = await commentsApi.remove(threadId, commentId);
    if (t) this.upsert(t);
    else this.threads = this.threads.filter((x) => x.id !== threadId);
    this.refresh();
  }

  /**
   * Accepts a suggestion: the text is replaced in this editor as this user's own edit (so Undo takes it
   * back), then the thread is marked accepted. Refused when the commented text is gone.
   */
  async accept(t: ThreadView): Promise<void> {
    const range = this.positions.get(t.id);
    const ed = this.editor;
    if (!ed || !range || t.suggestion === null) throw new Error('The suggested text is no longer in the document, so it cannot be replaced.');
    const c = ed.chain().focus();
    (t.suggestion.length ? c.insertContentAt(range, { type: 'text', text: t.suggestion }) : c.deleteRange(range)).run();
    await this.setStatus(t.id, 'accepted');
  }

  /** Selects the thread's text in the editor and moves the focus there. */
  showInDocument(threadId: string): void {
    const range = this.positions.get(threadId);
    const ed = this.editor;
    this.activeId = threadId;
    this.refresh();
    if (!ed || !range) return;
    ed.view.dispatch(ed.state.tr.setSelection(TextSelection.create(ed.state.doc, range.from, range.to)).scrollIntoView());
    ed.view.focus();
  }

  /** Marks the thread active and moves the focus to its card in the panel. */
  focusThread(threadId: string): void {
    const t = this.threads.find((x) => x.id === threadId);
    if (t && t.status !== 'open') this.showResolved = true;
    this.activeId = threadId;
    this.refresh();
    void tick().then(() => document.getElementById(`thread-${threadId}`)?.focus());
  }

  private upsert(t: ThreadView): void {
    this.threads = this.threads.some((x) => x.id === t.id) ? this.threads.map((x) => (x.id === t.id ? t : x)) : [...this.threads, t];
  }

  destroy(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    for (const fn of this.cleanup) fn();
    if (connection.connected) void connection.request('doc:unwatch', { docId: this.docId }).catch(() => undefined);
  }
}
