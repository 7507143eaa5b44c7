/**
 * A feature plugs into the app without the app knowing its insides: its indexes, its HTTP routes under
 * /api, its Socket.IO handlers, and anything it attaches to the HTTP server (the Yjs upgrade).
 * A feature is a factory called once per app, so services it creates are shared by its parts and never
 * leak between two apps in one process (tests restart apps).
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

export interface FeatureInstance {
  routes?(): Router;
  /** Called for every authenticated socket. */
  socket?(socket: IoSocket): void;
  /** Attaches to the HTTP server (e.g. its `upgrade` event). */
  attach?(server: HttpServer, io: IoServer): FeatureRuntime | Promise<FeatureRuntime>;
}

export interface Feature {
  name: string;
  indexes?: IndexSpec[];
  create(ctx: Ctx): FeatureInstance;
}
