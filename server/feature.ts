/**
 * A feature plugs into the app without the app knowing its insides: its indexes, its HTTP routes under
 * /api, its Socket.IO handlers, and anything it attaches to the HTTP server (the Yjs upgrade).
 */
import type { Server as HttpServer } from 'node:http';
import type { Router } from 'express';
import type { Ctx } from './context';
import type { IoServer, IoSocket } from './realtime/io';
import type { IndexSpec } from './store/port';

export interface FeatureRuntime {
  /** Flushes pending writes and closes what the feature opened (called on shutdown, before the store closes). */
  close?(): Promise<void>;
}

export interface Feature {
  name: string;
  indexes?: IndexSpec[];
  routes?(ctx: Ctx): Router;
  /** Called for every authenticated socket. */
  socket?(io: IoServer, ctx: Ctx): (socket: IoSocket) => void;
  /** Attaches to the HTTP server (e.g. its `upgrade` event). */
  attach?(server: HttpServer, ctx: Ctx, io: IoServer): FeatureRuntime | Promise<FeatureRuntime>;
}
