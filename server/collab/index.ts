/**
 * The collab core's entry: builds the Yjs rooms, the /yjs/:docId upgrade handler and the CollabService.
 * (Signature fixed; body under construction.)
 */
import type { Server as HttpServer } from 'node:http';
import type { Ctx } from '../context';
import type { DocsRepo } from '../docs/records';
import type { CollabService } from './service';

export interface Collab {
  service: CollabService;
  /** Handles `upgrade` requests for /yjs/* on the shared HTTP server. */
  attach(server: HttpServer): void;
  /** Flushes and closes every room and connection. */
  close(): Promise<void>;
}

export function createCollab(_ctx: Ctx, _docs: DocsRepo): Collab {
  throw new Error('not implemented yet');
}
