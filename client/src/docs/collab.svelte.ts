/**
 * One open document: the Y.Doc, its y-websocket connection (with saved acknowledgements), the
 * y-indexeddb copy that keeps edits on this device, and presence. Outside events (provider status, Y
 * updates, awareness) are bridged into runes state that the views read.
 */
import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { messageSaved, SAVED_PARAM, YJS_PATH } from '../../../shared/collab';
import { colorFor } from './colors';
import { localDbName, markUnsaved, registerCopy } from './local-copies';

export interface Viewer {
  userId: string;
  name: string;
  color: string;
}

interface AwarenessChanges {
  added: number[];
  updated: number[];
  removed: number[];
}

export type SaveStatus = 'connecting' | 'offline' | 'saving' | 'saved';

/** The local user as announced in awareness (the caret extension reads `user`). */
export interface LocalUser {
  id: string;
  name: string;
}

export class CollabDoc {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  readonly local: IndexeddbPersistence;
  readonly user: { id: string; name: string; color: string };

  connected = $state(false);
  /** The first sync with the server finished (content is the server's, not only the local copy). */
  synced = $state(false);
  /** The local copy (IndexedDB) has loaded and holds content from an earlier visit. */
  localContent = $state(false);
  /** The server could not be reached before the first sync (offline from the start). */
  unreachable = $state(false);
  /** Local edits the server has not yet acknowledged as durably stored. */
  unsaved = $state(false);
  viewers = $state<Viewer[]>([]);
  /** Set when the server closed the connection for good (access removed, document too large...). */
  fatal = $state<string | null>(null);

  /** client id -> highest clock of our own edits not yet covered by a saved acknowledgement. */
  private pending = new Map<number, number>();
  private awaitingAck = false;
  private cleanup: (() => void)[] = [];
  /** Sends this page's own presence changes (see the constructor). */
  private readonly ownAwareness: (changes: AwarenessChanges, origin: unknown) => void;

  constructor(
    readonly docId: string,
    me: LocalUser,
    readonly canEdit: boolean,
    title = '',
  ) {
    this.user = { id: me.id, name: me.name, color: colorFor(me.id) };
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    registerCopy(me.id, docId, title);
    this.local = new IndexeddbPersistence(localDbName(me.id, docId), this.doc);
    this.local.whenSynced
      .then(() => (this.localContent = Y.encodeStateVector(this.doc).length > 1))
      .catch(() => (this.localContent = false));
    this.provider = new WebsocketProvider(`${proto}://${location.host}${YJS_PATH}`, docId, this.doc, {
      params: { [SAVED_PARAM]: '1' },
      // Two tabs of one browser would otherwise sync through BroadcastChannel and hide server problems.
      disableBc: true,
    });
    this.provider.messageHandlers[messageSaved] = (_enc, dec) => this.onSaved(decoding.readVarUint8Array(dec));
    // The stock provider re-sends every presence change it hears, other people's carets included, so each
    // change would come back to the server from every other viewer (and a busy document's echoes can pass the
    // per-connection rate limit). This page sends its own presence only, encoded by the stock handler.
    const stockAwareness = this.provider._awarenessUpdateHandler;
    this.provider.awareness.off('update', stockAwareness);
    this.ownAwareness = ({ added, updated, removed }: AwarenessChanges, origin: unknown) => {
      const me = this.doc.clientID;
      if (added.includes(me) || updated.includes(me) || removed.includes(me)) stockAwareness({ added: [me], updated: [], removed: [] }, origin);
    };
    this.provider.awareness.on('update', this.ownAwareness);
    this.provider.awareness.setLocalStateField('user', { id: this.user.id, name: this.user.name, color: this.user.color });

    const onStatus = ({ status }: { status: string }) => {
      this.connected = status === 'connected';
    };
    const onSync = (s: boolean) => {
      if (s) this.synced = true;
    };
    const onClose = (e: CloseEvent | null) => {
      if (e && e.code >= 4400 && e.code < 4500) this.fatal = closeText(e.code);
      if (!this.synced) this.unreachable = true;
    };
    const onError = () => {
      if (!this.synced) this.unreachable = true;
    };
    const onUpdate = (update: Uint8Array, origin: unknown) => {
      if (origin === this.provider) return; // came from the server: nothing to save
      if (!this.canEdit) return; // a reader's local changes are never stored
      const { to } = Y.parseUpdateMeta(update);
      for (const [client, clock] of to) this.pending.set(client, Math.max(clock, this.pending.get(client) ?? 0));
      this.awaitingAck = true;
      if (!this.unsaved) markUnsaved(this.user.id, this.docId, true);
      this.unsaved = true;
    };
    const onAwareness = () => this.readViewers();
    // The browser knows before the socket does; stop and resume at once so "Offline" is honest.
    const offline = () => {
      if (!this.synced) this.unreachable = true;
      this.provider.disconnect();
    };
    const online = () => this.provider.connect();

    this.provider.on('status', onStatus);
    this.provider.on('sync', onSync);
    this.provider.on('connection-close', onClose);
    this.provider.on('connection-error', onError);
    this.doc.on('update', onUpdate);
    this.provider.awareness.on('change', onAwareness);
    addEventListener('offline', offline);
    addEventListener('online', online);
    if (!navigator.onLine) offline();
    this.readViewers();
    this.cleanup.push(
      () => this.provider.off('status', onStatus),
      () => this.provider.off('sync', onSync),
      () => this.provider.off('connection-close', onClose),
      () => this.provider.off('connection-error', onError),
      () => this.doc.off('update', onUpdate),
      () => this.provider.awareness.off('change', onAwareness),
      () => removeEventListener('offline', offline),
      () => removeEventListener('online', online),
    );
  }

  /**
   * The editor may open: after the first sync, or from the local copy when it has content or the server
   * cannot be reached. (Opening an empty editor before the sync would only invite edits to a blank page.)
   */
  get ready(): boolean {
    return this.synced || this.localContent || this.unreachable;
  }

  /** What the status line says. */
  get status(): SaveStatus {
    if (!this.connected) return this.synced || this.unreachable ? 'offline' : 'connecting';
    return this.unsaved ? 'saving' : 'saved';
  }

  /** The server's durable state vector arrived: our edits are saved when it covers every one of them. */
  private onSaved(stateVector: Uint8Array): void {
    const saved = Y.decodeStateVector(stateVector);
    for (const [client, clock] of this.pending) if ((saved.get(client) ?? 0) >= clock) this.pending.delete(client);
    if (this.pending.size === 0) {
      this.awaitingAck = false;
      this.unsaved = false;
      markUnsaved(this.user.id, this.docId, false);
    }
  }

  private readViewers(): void {
    const seen = new Map<string, Viewer>();
    for (const state of this.provider.awareness.getStates().values()) {
      const u = (state as { user?: { id?: unknown; name?: unknown; color?: unknown } }).user;
      if (!u || typeof u.id !== 'string' || typeof u.name !== 'string') continue;
      if (!seen.has(u.id)) seen.set(u.id, { userId: u.id, name: u.name, color: typeof u.color === 'string' ? u.color : colorFor(u.id) });
    }
    this.viewers = [...seen.values()].sort((a, b) => (a.userId === this.user.id ? -1 : b.userId === this.user.id ? 1 : a.name.localeCompare(b.name)));
  }

  /** Closes the connection and the local copy (the IndexedDB data stays for next time, until logout). */
  destroy(): void {
    for (const fn of this.cleanup) fn();
    this.provider.awareness.setLocalState(null); // goes out before the connection closes
    this.provider.awareness.off('update', this.ownAwareness);
    this.provider.destroy();
    void this.local.destroy();
    this.doc.destroy();
  }
}

function closeText(code: number): string {
  switch (code) {
    case 4401:
      return 'Your session ended. Log in again to keep editing.';
    case 4403:
      return 'You no longer have access to this document.';
    case 4410:
      return 'This document was archived, so it is read-only now. Reload the page to read it.';
    case 4413:
      return 'A change was too large for the server to accept.';
    case 4429:
      return 'Too many changes too quickly: the connection was closed. Reload the page to continue.';
    default:
      return 'The server closed the connection. Reload the page to continue.';
  }
}
