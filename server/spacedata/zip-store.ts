/**
 * An export's ZIP kept in the store as numbered chunk records, written as the ZIP is produced and read
 * back one chunk at a time for the download: the whole file is never in memory, every process of a
 * cluster can serve it, and it lives in whichever store the app uses (embedded or MongoDB).
 */
import { Readable, Writable } from 'node:stream';
import type { IndexSpec, Store } from '../store/port';

/** Bytes per chunk record: small enough for any store's record limit, large enough to keep writes few. */
export const ZIP_CHUNK_BYTES = 1024 * 1024;

export const ZIP_CHUNKS = 'spaceExportChunks';

export interface ZipChunkRecord {
  /** `${exportId}:${n}` with n zero-padded, so ids sort in order. */
  _id: string;
  exportId: string;
  n: number;
  data: Uint8Array;
}

export const ZIP_CHUNK_INDEXES: IndexSpec[] = [{ collection: ZIP_CHUNKS, fields: { exportId: 1, n: 1 } }];

const chunkId = (exportId: string, n: number) => `${exportId}:${String(n).padStart(8, '0')}`;

/** Chunked ZIP files in `store`. */
export function createZipStore(store: Store) {
  const chunks = store.collection<ZipChunkRecord>(ZIP_CHUNKS);
  return {
    /**
     * A Writable that stores what it is given as chunk records, waiting for each insert (backpressure);
     * `written()` says how many bytes and chunks it stored once it finished.
     */
    writer(exportId: string) {
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let n = 0;
      let bytes = 0;
      const flush = async (all: boolean) => {
        while (pendingBytes >= ZIP_CHUNK_BYTES || (all && pendingBytes > 0)) {
          const joined = Buffer.concat(pending);
          const data = joined.subarray(0, ZIP_CHUNK_BYTES);
          const rest = joined.subarray(data.length);
          await chunks.insertOne({ _id: chunkId(exportId, n), exportId, n, data: new Uint8Array(data) });
          n++;
          bytes += data.length;
          pending = rest.length ? [rest] : [];
          pendingBytes = rest.length;
        }
      };
      const stream = new Writable({
        write(chunk: Buffer, _enc, cb) {
          pending.push(chunk);
          pendingBytes += chunk.length;
          flush(false).then(() => cb(), cb);
        },
        final(cb) {
          flush(true).then(() => cb(), cb);
        },
      });
      return { stream, written: () => ({ bytes, chunks: n }) };
    },

    /** The stored file as a stream, read one chunk record at a time. */
    reader(exportId: string, count: number): Readable {
      return Readable.from(
        (async function* () {
          for (let n = 0; n < count; n++) {
            const rec = await chunks.findOne({ _id: chunkId(exportId, n) });
            if (!rec) throw new Error(`export ${exportId} is missing chunk ${n}`);
            yield Buffer.from(rec.data);
          }
        })(),
        { objectMode: false },
      );
    },

    /** Removes an export's chunks (expired, failed, or its space erased). */
    remove: (exportId: string) => chunks.deleteMany({ exportId }),
  };
}

export type ZipStore = ReturnType<typeof createZipStore>;
