/**
 * The one Socket.IO connection of the page, shared by every feature (discussion, live sessions).
 * It connects lazily on first use, reconnects by itself, drops a dead link as soon as the browser says it
 * is offline and retries the moment it is back online. Its state is readable reactively
 * (`connection.status` in a component or `$derived`), bridged with `createSubscriber`.
 *
 *   const ack = await connection.request('space:join', { spaceId });
 *   const off = connection.on('message:new', (p) => ...);
 *   const offReconnect = connection.onReconnect(() => ...); // re-join rooms, fetch what was missed
 */
import { io, type Socket } from 'socket.io-client';
import { createSubscriber } from 'svelte/reactivity';
import type { Ack } from '../../../shared/errors';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../shared/events';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'refused';

type AckOf<E extends keyof ClientToServerEvents> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];
type Listener<E extends keyof ServerToClientEvents> = ServerToClientEvents[E];

class Connection {
  #socket: AppSocket | null = null;
  #status: ConnectionStatus = 'idle';
  #error: string | null = null;
  #everConnected = false;
  #reconnectHandlers = new Set<() => void>();
  #notify = new Set<() => void>();
  #subscribe = createSubscriber((update) => {
    this.#notify.add(update);
    return () => this.#notify.delete(update);
  });

  /** 'connected' when events flow; 'refused' when the server turned the handshake down (signed out). */
  get status(): ConnectionStatus {
    this.#subscribe();
    return this.#status;
  }

  get connected(): boolean {
    return this.status === 'connected';
  }

  /** Why the last connection attempt failed (the server's error code), if it did. */
  get error(): string | null {
    this.#subscribe();
    return this.#error;
  }

  #set(status: ConnectionStatus, error: string | null = this.#error) {
    this.#status = status;
    this.#error = error;
    for (const f of this.#notify) f();
  }

  /** The socket, created and connected on first use. */
  get socket(): AppSocket {
    if (this.#socket) return this.#socket;
    const socket: AppSocket = io({ path: '/socket.io', transports: ['websocket'], withCredentials: true, reconnectionDelay: 500, reconnectionDelayMax: 2_000 });
    this.#socket = socket;
    this.#set('connecting');
    socket.on('connect', () => {
      const again = this.#everConnected;
      this.#everConnected = true;
      this.#set('connected', null);
      if (again) for (const f of this.#reconnectHandlers) f();
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') this.#set('idle');
      // The server closed us on purpose (logged out elsewhere): it will not take us back without a new session.
      else if (reason === 'io server disconnect') this.#set('refused', 'authentication_required');
      else this.#set(navigator.onLine ? 'reconnecting' : 'offline');
    });
    socket.on('connect_error', (err) => {
      // The handshake was refused (no session): socket.io does not retry that by itself; neither do we.
      if (!socket.active) this.#set('refused', err.message);
      else this.#set(navigator.onLine ? 'reconnecting' : 'offline', err.message);
    });
    addEventListener('offline', this.#onOffline);
    addEventListener('online', this.#onOnline);
    return socket;
  }

  #onOffline = () => {
    // A websocket can look open for a long while after the network went away: close it, and do not
    // retry (each attempt would only fail) until the browser says it is back online.
    const s = this.#socket;
    if (!s) return;
    s.io.reconnection(false);
    s.io.engine?.close();
    this.#set('offline');
  };

  #onOnline = () => {
    const s = this.#socket;
    if (!s) return;
    s.io.reconnection(true);
    if (s.connected) return;
    this.#set('reconnecting');
    // Start over: disconnect() also clears a retry the manager had scheduled before going offline
    // (it would otherwise stay marked as "reconnecting" and connect() would not open).
    s.disconnect();
    s.connect();
  };

  /** Opens the connection now (it also opens on first `on`/`request`). */
  connect(): void {
    const s = this.socket;
    if (!s.connected && !s.active) s.connect();
  }

  /** Resolves once the socket is connected (at once if it is). */
  whenConnected(): Promise<void> {
    const s = this.socket;
    if (s.connected) return Promise.resolve();
    return new Promise((resolve) => s.once('connect', () => resolve()));
  }

  /** Listens to a server event; returns the function that stops listening. */
  on<E extends keyof ServerToClientEvents>(event: E, listener: Listener<E>): () => void {
    const s = this.socket as unknown as { on(e: string, l: unknown): void; off(e: string, l: unknown): void };
    s.on(event, listener);
    return () => s.off(event, listener);
  }

  /** Runs `fn` after every reconnection (not the first connection): re-join rooms, catch up. */
  onReconnect(fn: () => void): () => void {
    this.#reconnectHandlers.add(fn);
    return () => this.#reconnectHandlers.delete(fn);
  }

  /**
   * Sends a client event and resolves with its ack. When not connected, or when no ack arrives within
   * `timeoutMs`, resolves with an `unavailable` error instead of queueing (callers decide whether to retry).
   */
  request<E extends keyof ClientToServerEvents>(event: E, payload: Parameters<ClientToServerEvents[E]>[0], timeoutMs = 10_000): Promise<AckOf<E>> {
    const s = this.socket;
    const unavailable = (message: string) => ({ error: { code: 'unavailable' as const, message } }) as AckOf<E>;
    if (!s.connected) return Promise.resolve(unavailable('Not connected. It will be retried when the connection is back.'));
    return new Promise((resolve) => {
      (s.timeout(timeoutMs).emit as unknown as (e: string, p: unknown, cb: (err: Error | null, res: Ack<unknown>) => void) => void)(
        event,
        payload,
        (err, res) => resolve(err ? unavailable('The server did not answer in time.') : (res as AckOf<E>)),
      );
    });
  }

  /** Closes the connection (on log out). */
  close(): void {
    removeEventListener('offline', this.#onOffline);
    removeEventListener('online', this.#onOnline);
    this.#socket?.disconnect();
    this.#socket = null;
    this.#everConnected = false;
    this.#set('idle', null);
  }
}

/** The page's connection. */
export const connection = new Connection();
