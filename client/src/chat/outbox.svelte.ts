/**
 * Messages on their way out. Each keeps its clientMsgId across retries so the server stores it once:
 * unacknowledged sends are retried after a timeout and after every reconnection; a refusal (rate
 * limit, archived channel) marks it failed with the server's message and a retry button.
 */
import type { ChatMessage } from '../../../shared/chat';
import { connection } from '../lib/socket';
import { newClientMsgId } from './messages';

export interface Pending {
  clientMsgId: string;
  channelId: string;
  parentId: string | null;
  text: string;
  /** Members picked in the mention picker. */
  mentions: string[];
  createdAt: string;
  status: 'sending' | 'failed';
  error: string | null;
}

const RETRY_MS = 3_000;
const MAX_SILENT_ATTEMPTS = 5;

export class Outbox {
  items = $state<Pending[]>([]);
  #inflight = new Set<string>();
  #attempts = new Map<string, number>();

  constructor(private readonly onStored: (m: ChatMessage) => void) {}

  /** Queues a message and sends it now if connected. */
  add(channelId: string, text: string, parentId: string | null = null, mentions: string[] = []): void {
    const p: Pending = { clientMsgId: newClientMsgId(), channelId, parentId, text, mentions, createdAt: new Date().toISOString(), status: 'sending', error: null };
    this.items = [...this.items, p];
    void this.#attempt(p.clientMsgId);
  }

  /** Tries a failed (or stuck) message again, with the same clientMsgId. */
  retry(clientMsgId: string): void {
    this.#attempts.set(clientMsgId, 0);
    this.#update(clientMsgId, { status: 'sending', error: null });
    void this.#attempt(clientMsgId);
  }

  /** Drops a failed message the user gave up on. */
  discard(clientMsgId: string): void {
    this.items = this.items.filter((p) => p.clientMsgId !== clientMsgId);
  }

  /** Sends everything still waiting (after a reconnection). */
  flush(): void {
    for (const p of this.items) if (p.status === 'sending') void this.#attempt(p.clientMsgId);
  }

  /** The stored message arrived by broadcast before (or instead of) the ack: forget the pending copy. */
  settle(clientMsgId: string): void {
    if (this.items.some((p) => p.clientMsgId === clientMsgId)) this.items = this.items.filter((p) => p.clientMsgId !== clientMsgId);
  }

  #update(id: string, change: Partial<Pending>) {
    this.items = this.items.map((p) => (p.clientMsgId === id ? { ...p, ...change } : p));
  }

  async #attempt(id: string): Promise<void> {
    const p = this.items.find((x) => x.clientMsgId === id);
    if (!p || this.#inflight.has(id) || !connection.connected) return;
    this.#inflight.add(id);
    const n = (this.#attempts.get(id) ?? 0) + 1;
    this.#attempts.set(id, n);
    const ack = await connection.request('message:send', {
      channelId: p.channelId,
      text: p.text,
      clientMsgId: p.clientMsgId,
      ...(p.parentId ? { parentId: p.parentId } : {}),
      ...(p.mentions.length ? { mentions: p.mentions } : {}),
    });
    this.#inflight.delete(id);
    if ('data' in ack) {
      this.settle(id);
      this.#attempts.delete(id);
      this.onStored(ack.data.message);
      return;
    }
    if (ack.error.code === 'unavailable') {
      // Lost or not sent: retry soon while connected; a reconnection flushes anyway.
      if (n >= MAX_SILENT_ATTEMPTS) this.#update(id, { status: 'failed', error: 'Not sent yet: the server is not answering.' });
      else setTimeout(() => void this.#attempt(id), RETRY_MS);
      return;
    }
    this.#update(id, { status: 'failed', error: ack.error.message });
  }
}
