/**
 * What features see of the realtime layer: broadcasts to a space, to users, to a room, and who is in a
 * room. Features never touch Socket.IO; the layer behind this port is where the Redis adapter plugs in,
 * and then these reach every process's sockets.
 */
import type { ServerArgs, ServerToClientEvents } from '../../shared/events';

export interface Person {
  userId: string;
  name: string;
}

export interface RealtimePort {
  /** To every socket that joined the space. */
  toSpace<E extends keyof ServerToClientEvents>(spaceId: string, event: E, ...args: ServerArgs<E>): void;
  /** To every socket of these users (one id or many), joined or not. */
  toUsers<E extends keyof ServerToClientEvents>(userIds: string | string[], event: E, ...args: ServerArgs<E>): void;
  /** To every socket in a feature's room (or in any of several rooms, once per socket). */
  toRoom<E extends keyof ServerToClientEvents>(room: string | string[], event: E, ...args: ServerArgs<E>): void;
  /** The people with a socket in `room` right now, one entry per socket. */
  peopleIn(room: string): Promise<Person[]>;
  /**
   * Calls `listener` with each `event` another process of the cluster broadcast, as it reaches this
   * process (never for this process's own broadcasts, and never without a cluster). A feature keeps what
   * the others did without asking the store for it: the discussion learns each channel's last message
   * number. The payload comes from another process of this deployment: check its shape before use.
   * Returns the function that stops listening.
   */
  heard<E extends keyof ServerToClientEvents>(event: E, listener: (...args: ServerArgs<E>) => void): () => void;
}
