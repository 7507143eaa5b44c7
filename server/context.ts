/** The dependencies every command, route and socket handler receives. */
import type { Config } from './config';
import type { Logger } from './logger';
import type { Repos } from './repos';
import type { Store } from './store/port';
import type { Bus } from './bus';
import type { SessionManager } from './auth/sessions';
import type { TemplateId } from '../shared/docs';
import type { RichNode } from '../shared/templates';

export interface Ctx {
  config: Config;
  store: Store;
  repos: Repos;
  logger: Logger;
  bus: Bus;
  sessions: SessionManager;
  now: () => number;
  /** What one feature offers the others; the owning feature fills it in when it is created. */
  services: Services;
}

export interface Services {
  /**
   * Creates a document in a space on behalf of `userId` (the policy decides), optionally with its own rich
   * body instead of the template's. Provided by the docs feature; absent when that feature is not mounted.
   */
  createDoc?(userId: string, spaceId: string, input: { title: string; template: TemplateId; body?: RichNode[] }): Promise<{ id: string }>;
  /** Removes a document just created by `createDoc` when what it was made for failed. */
  removeDoc?(docId: string): Promise<void>;
  /**
   * Retitles a document from `from` to `to` only while its title is still `from` (a title someone chose by
   * hand is kept). Used when a session is renamed, so its notes document follows.
   */
  retitleDoc?(docId: string, from: string, to: string): Promise<void>;
  /**
   * A document's title and Markdown export, when `userId` may read it (null otherwise or when it is gone).
   * Used to put a session's meeting notes into its summary.
   */
  docMarkdown?(userId: string, docId: string): Promise<{ title: string; markdown: string } | null>;
  /** A document's full Yjs state now (no access check: the caller has authorized). Used by the library to freeze a publication. */
  docState?(docId: string): Promise<Uint8Array>;
  /**
   * Adds a line to a section ("Decisions": a bullet, "Action items": a checklist item) of a rich-text
   * document, as a live edit; does nothing for a budget, an archived or a missing document. Used to write a
   * session's decisions and action items into its meeting notes.
   */
  appendToNotes?(docId: string, section: 'Decisions' | 'Action items', text: string): Promise<void>;
  /** Ticks or unticks the notes' checklist line of an action item (found by its text); a live edit. */
  markNotesItem?(docId: string, text: string, done: boolean): Promise<void>;
}
