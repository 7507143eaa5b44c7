/**
 * The signed-in user's chat notifications (mentions, replies to their threads) for the bell: the unread
 * count, the latest list, and live updates from the user's own socket room.
 */
import type { ChatNotification, SpaceUnread } from '../../../shared/chat';
import { api } from '../lib/api';
import { connection } from '../lib/socket';

class Notifications {
  items = $state.raw<ChatNotification[]>([]);
  unread = $state(0);
  loaded = $state(false);
  /** Unread and mention totals per space (GET /api/unread), for the other spaces' badges. */
  spaces = $state.raw<SpaceUnread[]>([]);
  #started = false;

  /** Loads the list once and follows live updates (idempotent). */
  start(): void {
    if (this.#started) {
      // Mounted again (after logging in anew): the connection may have been closed with the old session.
      connection.connect();
      this.#loadAndCatchUp();
      return;
    }
    this.#started = true;
    connection.on('notification:new', ({ notification, unread }) => {
      this.items = [notification, ...this.items.filter((n) => n.id !== notification.id)].slice(0, 50);
      this.unread = unread;
      void this.loadUnread();
    });
    connection.on('notification:read', ({ unread }) => {
      this.unread = unread;
      if (unread === 0) this.items = this.items.map((n) => (n.read ? n : { ...n, read: true }));
      // Some were read by reading the channel or a thread: which ones, the list says.
      else if (this.items.filter((n) => !n.read).length !== unread) void this.load();
    });
    // What they were about was removed (a message, a comment): they leave the list.
    connection.on('notification:removed', ({ ids, unread }) => {
      this.items = this.items.filter((n) => !ids.includes(n.id));
      this.unread = unread;
      void this.loadUnread();
    });
    connection.onReconnect(() => void this.load());
    connection.connect();
    this.#loadAndCatchUp();
  }

  /**
   * Loads now, and again once the socket is connected: a notification made between this load and the
   * socket joining the user's room came with no live event (a join request just after the page opened).
   */
  #loadAndCatchUp(): void {
    void this.load();
    void connection.whenConnected().then(() => this.load());
  }

  async load(): Promise<void> {
    try {
      const r = await api.get<{ notifications: ChatNotification[]; unread: number }>('/api/notifications');
      this.items = r.notifications;
      this.unread = r.unread;
      this.loaded = true;
    } catch {
      /* the bell stays as it was; the next reconnection reloads */
    }
  }

  /** Refreshes the per-space totals. */
  async loadUnread(): Promise<void> {
    try {
      this.spaces = (await api.get<{ spaces: SpaceUnread[] }>('/api/unread')).spaces;
    } catch {
      /* keep the previous figures */
    }
  }

  /** Marks some (or all) read. */
  async markRead(ids?: string[]): Promise<void> {
    try {
      const r = await api.post<{ unread: number }>('/api/notifications/read', ids ? { ids } : { all: true });
      this.unread = r.unread;
      this.items = this.items.map((n) => (!ids || ids.includes(n.id) ? { ...n, read: true } : n));
    } catch {
      /* offline: they stay unread, and the next reload shows the truth */
    }
  }
}

export const notifications = new Notifications();
