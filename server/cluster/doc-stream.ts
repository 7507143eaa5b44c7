/**
 * The entries of a document's Redis stream (doc-relay.ts), in binary: one entry carries everything one
 * process had for the document at one flush, so a burst of keystrokes costs one XADD and one entry to
 * read, not one per keystroke. Fields (each optional but `n`):
 *   n  the publishing process's instance id
 *   u  its document updates since the last flush, merged into one Yjs update (by the local fan-out)
 *   a  its awareness updates, each a lib0 var-length byte array, concatenated in order
 *   k  the entry's number: this process numbers its entries (all documents, one counter, always rising)
 *   d  the owner's latest durable state vector (a later one covers an earlier one)
 *   s  with `d`: per process, the number of the last of its entries whose update that durable state
 *      includes (lib0: a count, then instance id and number pairs). A deletion shows in no state vector,
 *      so a process acknowledges its clients' deletions by this (room.ts)
 *   r  present when the owner gave the document up (a drain)
 * A receiver applies them in that order, so a durable state vector never arrives before its update.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** What a process queued for one document's stream until its next flush. */
export class Outbox {
  /** This process's updates since the last entry, merged (set when the entry is written). */
  update: Uint8Array | null = null;
  awareness: Uint8Array[] = [];
  /** This entry's number (doc-relay.ts numbers every outbox of the process). */
  entry = 0;
  durable: Uint8Array | null = null;
  /** With `durable`: per process, the number of its last entry that state includes. */
  applied: ReadonlyMap<string, number> | null = null;
  released = false;
  /** Bytes queued (a flush comes early past a bound). */
  bytes = 0;

  /** The XADD field-value pairs of this outbox (binary values as Buffers, no base64). */
  fields(instance: string): (string | Buffer)[] {
    const out: (string | Buffer)[] = ['n', instance];
    if (this.entry > 0) out.push('k', String(this.entry));
    if (this.update) out.push('u', buf(this.update));
    if (this.awareness.length) {
      const e = encoding.createEncoder();
      for (const a of this.awareness) encoding.writeVarUint8Array(e, a);
      out.push('a', buf(encoding.toUint8Array(e)));
    }
    if (this.durable) out.push('d', buf(this.durable));
    // Written even when empty: an owner that applied nothing yet says so (no `s` means an older release).
    if (this.durable && this.applied) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, this.applied.size);
      for (const [id, n] of this.applied) {
        encoding.writeVarString(e, id);
        encoding.writeVarUint(e, n);
      }
      out.push('s', buf(encoding.toUint8Array(e)));
    }
    if (this.released) out.push('r', '1');
    return out;
  }
}

/** A zero-copy Buffer view of `u` (node-redis sends Buffers as they are). */
const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
/** A plain Uint8Array view of a reply Buffer (Yjs and lib0 expect Uint8Array semantics, e.g. slice copies). */
const view = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** One stream entry as read back. */
export interface StreamEntry {
  /** Milliseconds part of the entry id (when Redis added it). */
  at: number;
  instance: string;
  /** The entry's number from its process (absent from an older release). */
  entry?: number;
  update?: Uint8Array;
  awareness: Uint8Array[];
  durable?: Uint8Array;
  /** With `durable`: per process, its last entry that state includes (absent from an older release). */
  applied?: Map<string, number>;
  released: boolean;
}

/** Reads an entry's field-value list (Buffers, from a reply with BLOB_STRING mapped to Buffer). */
export function parseEntry(id: Buffer, fields: Buffer[]): StreamEntry {
  const idText = id.toString('latin1');
  const entry: StreamEntry = { at: Number(idText.slice(0, idText.indexOf('-'))), instance: '', awareness: [], released: false };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    // Field names are one ASCII letter.
    switch (fields[i]![0]) {
      case 0x6e: // n
        entry.instance = value.toString('latin1');
        break;
      case 0x75: // u
        entry.update = view(value);
        break;
      case 0x61: {
        // a
        const dec = decoding.createDecoder(view(value));
        while (decoding.hasContent(dec)) entry.awareness.push(decoding.readVarUint8Array(dec));
        break;
      }
      case 0x6b: {
        // k
        const n = Number(value.toString('latin1'));
        if (Number.isSafeInteger(n) && n > 0) entry.entry = n;
        break;
      }
      case 0x64: // d
        entry.durable = view(value);
        break;
      case 0x73: {
        // s
        const dec = decoding.createDecoder(view(value));
        const applied = new Map<string, number>();
        for (let n = decoding.readVarUint(dec); n > 0; n--) applied.set(decoding.readVarString(dec), decoding.readVarUint(dec));
        entry.applied = applied;
        break;
      }
      case 0x72: // r
        entry.released = true;
        break;
    }
  }
  return entry;
}
