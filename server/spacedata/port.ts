/**
 * The space-data port: how each feature hands over its part of a space's export and erases its own
 * collections when a deleted space's grace period ends. Features register a part at creation (the
 * spacedata feature is created first and provides the registry); none reads another's collections.
 */

/** What a file's content may be: produced when the ZIP reaches it, whole or as a stream of pieces. */
export type FileContent = () => Promise<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/** Where a part writes its files. Content is produced lazily, one file at a time, so memory stays bounded. */
export interface ExportSink {
  /** Adds `path` (forward slashes, inside the ZIP) whose bytes `content` produces when the ZIP gets to it. */
  file(path: string, content: FileContent): void;
  /** Adds a line to README.txt describing what this part wrote. */
  describe(line: string): void;
}

export interface ExportRequest {
  spaceId: string;
  spaceName: string;
  /** The facilitator who asked: parts that render through access checks read as them. */
  userId: string;
  sink: ExportSink;
}

/** One feature's share of a space's data. */
export interface SpaceDataPart {
  /** For logs and errors ("docs", "chat", ...). */
  name: string;
  /** Adds this part's files to the export (the space is live and the caller authorized). */
  export?(req: ExportRequest): Promise<void>;
  /** Removes every record this part keeps about the space; idempotent (a failed erase is retried). */
  erase?(spaceId: string): Promise<void>;
}

/** The registry features reach as `ports.spaceData`. */
export interface SpaceDataPort {
  register(part: SpaceDataPart): void;
}

/** The registry and what the spacedata feature reads from it. */
export function createSpaceDataRegistry() {
  const parts: SpaceDataPart[] = [];
  return {
    register(part: SpaceDataPart) {
      parts.push(part);
    },
    parts: (): readonly SpaceDataPart[] => parts,
  };
}

export type SpaceDataRegistry = ReturnType<typeof createSpaceDataRegistry>;
