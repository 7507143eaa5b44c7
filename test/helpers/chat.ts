/**
 * Chat test helpers: the real app with the chat feature (its rate limits adjustable) and the docs feature
 * it searches titles through, stock
 * socket.io-client connections carrying a session cookie, typed ack calls, and a space with members.
 */
import type { AddressInfo } from 'node:net';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Ack } from '../../shared/errors';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/events';
import { createApp, type App } from '../../server/app';
import { createChatFeature } from '../../server/chat/feature';
import type { ChatOptions } from '../../server/chat/service';
import { loadConfig } from '../../server/config';
import { docsFeature } from '../../server/docs/feature';
import { createLogger } from '../../server/logger';
import type { Store } from '../../server/store/port';
import { ApiClient, openTestStore, removeTestData, signupUser, tempDir } from './server';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ChatServer {
  url: string;
  app: App;
  store: Store;
  dataDir: string;
  close(opts?: { keepData?: boolean }): Promise<void>;
}

/** Starts the app with the docs and chat features on 127.0.0.1:0 (the test store for `dataDir`, a new temp dir by default). */
export async function startChatServer(opts: { dataDir?: string; chat?: ChatOptions; now?: () => number } = {}): Promise<ChatServer> {
  const dataDir = opts.dataDir ?? tempDir('chat-test-');
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const store = await openTestStore(dataDir);
  const app = await createApp({
    config,
    store,
    logger: createLogger(config.logLevel),
    features: [docsFeature, createChatFeature(opts.chat)],
    ...(opts.now ? { now: opts.now } : {}),
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const port = (app.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    store,
    dataDir,
    async close({ keepData = false } = {}) {
      app.server.close();
      await app.close();
      await store.close();
      if (!keepData) await removeTestData(dataDir);
    },
  };
}

const open: ChatSocket[] = [];

/** Opens a stock socket.io-client connection with the given cookie; resolves once connected. */
export function connectSocket(url: string, cookie: string, headers: Record<string, string> = {}): Promise<ChatSocket> {
  const socket: ChatSocket = ioClient(url, {
    transports: ['websocket'],
    extraHeaders: { ...(cookie ? { cookie } : {}), ...headers },
    reconnection: false,
    forceNew: true,
  });
  open.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}

/** Closes every socket opened by connectSocket. */
export function closeSockets(): void {
  for (const s of open.splice(0)) s.close();
}

/** Emits a client event and resolves with its ack (rejects after `timeoutMs`). */
export function call<E extends keyof ClientToServerEvents>(
  socket: ChatSocket,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0] | unknown,
  timeoutMs = 5_000,
): Promise<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${event}`)), timeoutMs);
    (socket.emit as (e: string, p: unknown, cb: (r: Ack<unknown>) => void) => void)(event, payload, (res) => {
      clearTimeout(timer);
      resolve(res as never);
    });
  });
}

/** The data of an ack, or throws naming the error. */
export function data<T>(ack: Ack<T>): T {
  if ('error' in ack) throw new Error(`ack error ${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

/** Resolves with the next `event` on `socket` whose payload passes `pred`. */
export function next<E extends keyof ServerToClientEvents>(
  socket: ChatSocket,
  event: E,
  pred: (p: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const on = socket.on.bind(socket) as (e: string, l: (p: never) => void) => void;
    const off = socket.off.bind(socket) as (e: string, l: (p: never) => void) => void;
    const listener = (p: Parameters<ServerToClientEvents[E]>[0]) => {
      if (!pred(p)) return;
      clearTimeout(timer);
      off(event, listener as never);
      resolve(p);
    };
    const timer = setTimeout(() => {
      off(event, listener as never);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    on(event, listener as never);
  });
}

/** Records every `event` a socket receives. */
export function record<E extends keyof ServerToClientEvents>(socket: ChatSocket, event: E): Parameters<ServerToClientEvents[E]>[0][] {
  const got: Parameters<ServerToClientEvents[E]>[0][] = [];
  (socket.on.bind(socket) as (e: string, l: (p: never) => void) => void)(event, ((p: Parameters<ServerToClientEvents[E]>[0]) => got.push(p)) as never);
  return got;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A chat server for a test file on a movable clock (`tick` lets tests send past the send rate limit
 * without waiting): started before the tests, sockets closed after each, the server after all.
 */
export function useChatServer(): { server: () => ChatServer; tick: (ms: number) => void } {
  let srv: ChatServer | undefined;
  let clock = Date.now();
  beforeAll(async () => {
    srv = await startChatServer({ now: () => clock });
  });
  afterEach(() => closeSockets());
  afterAll(async () => {
    closeSockets();
    await srv?.close();
  });
  return { server: () => srv!, tick: (ms) => void (clock += ms) };
}

export interface Person {
  client: ApiClient;
  user: { id: string; email: string; name: string };
  password: string;
}

/** A space with a facilitator and the given members (each with a role), and its `general` channel id. */
export async function spaceWith(url: string, members: { name: string; role?: 'member' | 'guest' | 'facilitator' }[] = [], owner = 'Fran Facilitator') {
  const fac = await signupUser(url, owner);
  const created = await fac.client.post('/api/spaces', { name: `Space ${Math.random().toString(36).slice(2, 8)}`, kind: 'plc' });
  if (created.status !== 201) throw new Error(`space: ${created.status}`);
  const spaceId: string = created.body.space.id;
  const people: Person[] = [];
  for (const m of members) {
    const p = await signupUser(url, m.name);
    const inv = await fac.client.post(`/api/spaces/${spaceId}/invites`, { role: m.role ?? 'member' });
    const acc = await p.client.post(`/api/invites/${inv.body.invite.code}/accept`);
    if (acc.status !== 200) throw new Error(`accept: ${acc.status}`);
    people.push(p);
  }
  const channels = await fac.client.get(`/api/spaces/${spaceId}/channels`);
  const general: string = channels.body.channels.find((c: { name: string }) => c.name === 'general').id;
  return { spaceId, general, fac, people };
}

let seq = 0;
/** A fresh clientMsgId. */
export const cid = () => `test-${process.pid}-${Date.now().toString(36)}-${++seq}`;
