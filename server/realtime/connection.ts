/** A Socket.IO socket seen as a `Conn`, plus the record of which rooms belong to which space. */
import type { Conn } from './kit';
import type { IoSocket } from './io';

/**
 * Which space each space-scoped room belongs to (per process, like presence), so a removed member's
 * sockets can leave every room of that space at once.
 */
export class SpaceRooms {
  private readonly bySpace = new Map<string, Set<string>>();

  add(spaceId: string, room: string): void {
    let rooms = this.bySpace.get(spaceId);
    if (!rooms) this.bySpace.set(spaceId, (rooms = new Set()));
    rooms.add(room);
  }

  /** The rooms recorded for a space. */
  of(spaceId: string): string[] {
    return [...(this.bySpace.get(spaceId) ?? [])];
  }
}

/** Wraps one authenticated socket for the handlers. */
export function connOf(socket: IoSocket, spaceRooms: SpaceRooms): Conn {
  return {
    id: socket.id,
    userId: socket.data.userId,
    get name() {
      return socket.data.name;
    },
    async join(room, opts) {
      if (opts?.spaceId) spaceRooms.add(opts.spaceId, room);
      await socket.join(room);
    },
    async leave(room) {
      await socket.leave(room);
    },
    in: (room) => socket.rooms.has(room),
    toOthers(room, event, ...args) {
      socket.to(room).emit(event, ...args);
    },
  };
}
