/**
 * The discussion of one space as runes state: channels with unread counts, the open channel's
 * messages, the open thread, who is online and typing, and what screen readers should hear. It bridges
 * the shared socket's events into state and catches up from history after every reconnection.
 */
import type { Channel, ChannelWithUnread, ChatMessage, ReactionEmoji } from '../../../shared/chat';
import type { OnlineUser } from '../../../shared/events';
import { api } from '../lib/api';
import { connection } from '../lib/socket';
import { excerpt, merge, patch, upsert } from './messages';
import { Outbox } from './outbox.svelte';

const PAGE = 50;

export class ChatRoom {
  channels = $state.raw<ChannelWithUnread[]>([]);
  channelId = $state<string | null>(null);
  messages = $state.raw<ChatMessage[]>([]);
  hasMore = $state(false);
  loading = $state(false);
  loadingOlder = $state(false);
  online = $state.raw<OnlineUser[]>([]);
  /** Everyone in the space, for the mention picker. */
  members = $state.raw<{ id: string; name: string }[]>([]);
  typing = $state.raw<{ id: string; name: string; until: number }[]>([]);
  thread = $state.raw<{ parent: ChatMessage; replies: ChatMessage[] } | null>(null);
  /** The latest text for the aria-live region. */
  announcement = $state('');
  error = $state<string | null>(null);
  removed = $state(false);
  readonly outbox: Outbox;
  #offs: (() => void)[] = [];
  #readTimer: ReturnType<typeof setTimeout> | null = null;
  #typingSentAt = 0;

  constructor(
    readonly spaceId: string,
    readonly me: { id: string; name: string },
  ) {
    this.outbox = new Outbox((m) => this.#receive(m, false));
  }

  get channel(): ChannelWithUnread | undefined {
    return this.channels.find((c) => c.id === this.channelId);
  }

  /** Joins the space's room, loads channels and listens; returns the function that stops it all. */
  async start(): Promise<void> {
    const on = connection.on.bind(connection);
    this.#offs.push(
      on('message:new', ({ message }) => this.#receive(message, true)),
      on('message:updated', ({ message }) => this.#replace(message)),
      on('message:deleted', ({ messageId }) => this.#edit(messageId, (m) => ({ ...m, deleted: true, text: '', reactions: [], mentions: [] }))),
      on('reaction:updated', ({ messageId, reactions }) => this.#edit(messageId, (m) => ({ ...m, reactions }))),
      on('presence', (p) => {
        if (p.spaceId === this.spaceId) this.online = p.online;
      }),
      on('typing', (t) => this.#onTyping(t)),
      on('channel:updated', ({ channel }) => {
        if (channel.spaceId !== this.spaceId) return;
        const old = this.channels.find((c) => c.id === channel.id);
        const next = { ...channel, unread: old?.unread ?? 0, mentions: old?.mentions ?? 0, lastReadId: old?.lastReadId ?? null };
        this.channels = old ? this.channels.map((c) => (c.id === channel.id ? next : c)) : [...this.channels, next];
      }),
      on('unread:updated', (u) => {
        if (u.spaceId === this.spaceId) this.#setCounts(u.channelId, u.unread, u.mentions);
      }),
      on('space:removed', ({ spaceId }) => {
        if (spaceId !== this.spaceId) return;
        this.removed = true;
        this.error = 'You are no longer a member of this space.';
      }),
      connection.onReconnect(() => void this.#catchUp()),
    );
    connection.connect();
    await this.#join();
    await this.loadChannels();
    void this.loadMembers();
  }

  async loadMembers(): Promise<void> {
    try {
      const r = await api.get<{ members: { user: { id: string; name: string } }[] }>(`/api/spaces/${encodeURIComponent(this.spaceId)}/members`);
      this.members = r.members.map((m) => m.user);
    } catch {
      /* the picker just stays empty */
    }
  }

  stop(): void {
    for (const off of this.#offs.splice(0)) off();
    if (this.#readTimer) clearTimeout(this.#readTimer);
    if (connection.connected) void connection.request('space:leave', { spaceId: this.spaceId });
  }

  async #join(): Promise<void> {
    await connection.whenConnected();
    const ack = await connection.request('space:join', { spaceId: this.spaceId });
    if ('data' in ack) this.online = ack.data.online;
    else this.error = ack.error.message;
  }

  async loadChannels(): Promise<void> {
    const r = await api.get<{ channels: ChannelWithUnread[] }>(`/api/spaces/${encodeURIComponent(this.spaceId)}/channels`);
    this.channels = r.channels;
  }

  /** Opens a channel: its latest page of messages. */
  async open(channelId: string): Promise<void> {
    if (this.channelId === channelId && this.messages.length) return;
    this.channelId = channelId;
    this.messages = [];
    this.thread = null;
    this.typing = [];
    this.loading = true;
    try {
      const r = await api.get<{ messages: ChatMessage[]; hasMore: boolean }>(`/api/channels/${encodeURIComponent(channelId)}/messages?limit=${PAGE}`);
      if (this.channelId !== channelId) return;
      this.messages = r.messages;
      this.hasMore = r.hasMore;
      this.error = null;
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.loading = false;
    }
  }

  /** Loads the page before the oldest loaded message. */
  async loadOlder(): Promise<void> {
    const first = this.messages[0];
    if (!first || !this.hasMore || this.loadingOlder || !this.channelId) return;
    this.loadingOlder = true;
    const channelId = this.channelId;
    try {
      const r = await api.get<{ messages: ChatMessage[]; hasMore: boolean }>(`/api/channels/${encodeURIComponent(channelId)}/messages?limit=${PAGE}&before=${first.id}`);
      if (this.channelId !== channelId) return;
      this.messages = merge(this.messages, r.messages);
      this.hasMore = r.hasMore;
    } finally {
      this.loadingOlder = false;
    }
  }

  /** After a reconnection: re-join, refresh counts, fetch what was missed, resend what was waiting. */
  async #catchUp(): Promise<void> {
    // The cursor is taken before anything new can arrive: this runs synchronously on 'connect', before the
    // space is re-joined (no broadcasts yet) and before waiting sends are flushed (no acks yet).
    // By sequence number: it holds even when the newest message seen was erased meanwhile.
    let cursor = this.messages[this.messages.length - 1]?.seq ?? null;
    await this.#join();
    await this.loadChannels().catch(() => {});
    const channelId = this.channelId;
    if (channelId) {
      for (let i = 0; i < 20; i++) {
        const q = cursor !== null ? `afterSeq=${cursor}` : '';
        const r = await api.get<{ messages: ChatMessage[]; hasMore: boolean }>(`/api/channels/${encodeURIComponent(channelId)}/messages?limit=100&${q}`);
        if (this.channelId !== channelId) return;
        this.messages = merge(this.messages, r.messages);
        for (const m of r.messages) if (m.author.id === this.me.id) this.outbox.settle(m.clientMsgId);
        cursor = r.messages[r.messages.length - 1]?.seq ?? cursor;
        if (!r.hasMore) break;
      }
    }
    this.outbox.flush();
    if (this.thread) await this.openThread(this.thread.parent.id);
  }

  #receive(m: ChatMessage, live: boolean): void {
    if (m.spaceId !== this.spaceId) return;
    if (m.author.id === this.me.id) this.outbox.settle(m.clientMsgId);
    const mine = m.author.id === this.me.id;
    if (m.parentId) {
      if (this.thread?.parent.id === m.parentId) this.thread = { ...this.thread, replies: upsert(this.thread.replies, m) };
    } else if (m.channelId === this.channelId) {
      this.messages = upsert(this.messages, m);
    }
    if (live && !mine) {
      this.typing = this.typing.filter((t) => t.id !== m.author.id);
      const visible = m.channelId === this.channelId && (!m.parentId || this.thread?.parent.id === m.parentId);
      if (visible) this.announcement = `${m.author.name}${m.parentId ? ' replied' : ''}: ${excerpt(m.text)}`;
      else if (!m.parentId || m.mentions.includes(this.me.id)) {
        const c = this.channels.find((x) => x.id === m.channelId);
        if (c) this.#setCounts(c.id, c.unread + (m.parentId ? 0 : 1), c.mentions + (m.mentions.includes(this.me.id) ? 1 : 0));
      }
    }
  }

  #replace(m: ChatMessage): void {
    this.#edit(m.id, () => m);
  }

  #edit(id: string, change: (m: ChatMessage) => ChatMessage): void {
    this.messages = patch(this.messages, id, change);
    if (this.thread) {
      const parent = this.thread.parent.id === id ? change(this.thread.parent) : this.thread.parent;
      this.thread = { parent, replies: patch(this.thread.replies, id, change) };
    }
  }

  #setCounts(channelId: string, unread: number, mentions: number): void {
    this.channels = this.channels.map((c) => (c.id === channelId ? { ...c, unread, mentions } : c));
  }

  #onTyping(t: { spaceId: string; channelId: string; user: { id: string; name: string }; typing: boolean }): void {
    if (t.spaceId !== this.spaceId || t.channelId !== this.channelId || t.user.id === this.me.id) return;
    const rest = this.typing.filter((x) => x.id !== t.user.id && x.until > Date.now());
    this.typing = t.typing ? [...rest, { id: t.user.id, name: t.user.name, until: Date.now() + 6_000 }] : rest;
  }

  /** Drops typing entries whose sender went quiet (called on a timer by the view). */
  expireTyping(): void {
    if (this.typing.some((t) => t.until <= Date.now())) this.typing = this.typing.filter((t) => t.until > Date.now());
  }

  /** Tells the others we are typing (throttled) or stopped. */
  sendTyping(typing: boolean): void {
    if (!this.channelId || !connection.connected) return;
    if (typing && Date.now() - this.#typingSentAt < 2_500) return;
    this.#typingSentAt = typing ? Date.now() : 0;
    void connection.request('typing', { channelId: this.channelId, typing });
  }

  send(text: string, parentId: string | null = null, mentions: string[] = []): void {
    if (!this.channelId) return;
    this.outbox.add(this.channelId, text, parentId, mentions);
    this.sendTyping(false);
  }

  /** Marks the open channel read up to its newest message (debounced). */
  markRead(): void {
    const last = this.messages[this.messages.length - 1];
    const c = this.channel;
    if (!last || !c || (c.lastReadId && c.lastReadId >= last.id && c.unread === 0 && c.mentions === 0)) return;
    if (this.#readTimer) clearTimeout(this.#readTimer);
    this.#readTimer = setTimeout(async () => {
      const ack = await connection.request('channel:read', { channelId: c.id, messageId: last.id });
      if ('data' in ack) this.channels = this.channels.map((x) => (x.id === c.id ? { ...x, unread: ack.data.unread, mentions: ack.data.mentions, lastReadId: last.id } : x));
    }, 400);
  }

  #threadReadId = '';
  /** Tells the server the open thread was read to its newest reply (its notifications become read). */
  markThreadRead(): void {
    const last = this.thread?.replies[this.thread.replies.length - 1];
    if (!last || last.id === this.#threadReadId || !connection.connected) return;
    this.#threadReadId = last.id;
    void connection.request('channel:read', { channelId: last.channelId, messageId: last.id });
  }

  /** Opens a thread; false (with `error` set) when it could not be loaded. */
  async openThread(messageId: string): Promise<boolean> {
    try {
      this.thread = await api.get<{ parent: ChatMessage; replies: ChatMessage[] }>(`/api/messages/${encodeURIComponent(messageId)}/thread`);
      return true;
    } catch (err) {
      this.error = (err as Error).message;
      return false;
    }
  }

  closeThread(): void {
    this.thread = null;
  }

  /** Runs an action that answers with an ack; returns the error message, if any. */
  async #act(p: Promise<{ data: unknown } | { error: { message: string } }>): Promise<string | null> {
    const ack = await p;
    return 'error' in ack ? ack.error.message : null;
  }

  edit(messageId: string, text: string) {
    return this.#act(connection.request('message:edit', { messageId, text }));
  }

  remove(messageId: string) {
    return this.#act(connection.request('message:delete', { messageId }));
  }

  react(messageId: string, emoji: ReactionEmoji) {
    return this.#act(connection.request('reaction:toggle', { messageId, emoji }));
  }

  async createChannel(name: string): Promise<ChannelWithUnread> {
    const r = await api.post<{ channel: Channel }>(`/api/spaces/${encodeURIComponent(this.spaceId)}/channels`, { name });
    const c: ChannelWithUnread = { ...r.channel, unread: 0, mentions: 0, lastReadId: null };
    if (!this.channels.some((x) => x.id === c.id)) this.channels = [...this.channels, c];
    return c;
  }
}
