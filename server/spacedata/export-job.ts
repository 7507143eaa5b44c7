/**
 * Runs one export: every registered part adds its files to a yazl ZIP whose output streams into the store
 * chunk by chunk (zip-store.ts). File contents are produced lazily, when the ZIP reaches them, so a large
 * space never sits in memory whole. Progress (files done of files known) is written to the job record,
 * at most every few hundred milliseconds, and a heartbeat keeps `updatedAt` fresh while a long file runs.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Ctx } from '../context';
import type { ExportJobs, ExportRecord } from './jobs';
import { EXPORT_KEEP_MS } from './jobs';
import type { ExportSink, FileContent, SpaceDataPart } from './port';
import { readmeText } from './readme';
import type { ZipStore } from './zip-store';

export interface ExportDeps {
  ctx: Ctx;
  jobs: ExportJobs;
  zips: ZipStore;
  parts: () => readonly SpaceDataPart[];
}

const PROGRESS_EVERY_MS = 250;
const HEARTBEAT_MS = 30_000;

const bytesOf = (x: string | Uint8Array) => (typeof x === 'string' ? Buffer.from(x, 'utf8') : Buffer.from(x.buffer, x.byteOffset, x.byteLength));

function isAsyncIterable(x: unknown): x is AsyncIterable<string | Uint8Array> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

/** The bytes of one file as a stream that calls `done` once it has been read to the end. */
function contentStream(content: FileContent, done: () => void): Readable {
  return Readable.from(
    (async function* () {
      const c = content();
      if (isAsyncIterable(c)) for await (const piece of c) yield bytesOf(piece);
      else yield bytesOf(await c);
      done();
    })(),
    { objectMode: false },
  );
}

/** Produces the ZIP of `job` and marks the job done (or failed, with its chunks removed). */
export async function runExport(d: ExportDeps, job: ExportRecord): Promise<void> {
  const { ctx, jobs, zips } = d;
  const at = () => new Date(ctx.now());
  let files = 0;
  let total = 0;
  let percent = 0;
  let lastWrite = 0;
  let writing: Promise<unknown> = Promise.resolve();
  const write = (force = false) => {
    if (!force && Date.now() - lastWrite < PROGRESS_EVERY_MS) return;
    lastWrite = Date.now();
    const set = { files, totalFiles: total, percent, updatedAt: at() };
    writing = writing.then(() => jobs.progress(job._id, set)).catch((err) => ctx.logger.warn({ err, exportId: job._id }, 'export progress not stored'));
  };
  const heartbeat = setInterval(() => write(true), HEARTBEAT_MS);
  heartbeat.unref();
  const out = zips.writer(job._id);
  try {
    // Only a job still queued starts (repair may have failed it meanwhile).
    if (!(await jobs.start(job._id, at()))) return;
    const space = await ctx.repos.spaces.byId(job.spaceId);
    if (!space) throw new Error('The space is gone.');
    // yazl loads with the first export, not at start (a server may never export a space).
    const { ZipFile } = await import('yazl');
    const zip = new ZipFile();
    const zipped = pipeline(zip.outputStream, out.stream);
    const zipFailed = new Promise<never>((_, reject) => (zip as unknown as NodeJS.EventEmitter).on('error', reject));
    // Raced below; when a part fails first, nobody awaits them, and a rejection must not go unhandled.
    zipped.catch(() => {});
    zipFailed.catch(() => {});
    const mtime = at();
    const readme: string[] = [];
    const sink: ExportSink = {
      file(path, content) {
        total++;
        zip.addReadStreamLazy(path, { mtime }, (cb) =>
          cb(
            null,
            contentStream(content, () => {
              files++;
              // 99 at most until the ZIP is complete and stored; never backwards as more files are announced.
              percent = Math.max(percent, Math.floor((files / total) * 99));
              write();
            }),
          ),
        );
      },
      describe: (line) => void readme.push(line),
    };
    for (const part of d.parts()) {
      if (!part.export) continue;
      await part.export({ spaceId: space._id, spaceName: space.name, userId: job.requestedBy, sink });
    }
    sink.file('README.txt', async () => readmeText(space, mtime, readme));
    zip.end();
    await Promise.race([zipped, zipFailed]);
    const { bytes, chunks } = out.written();
    clearInterval(heartbeat);
    await writing;
    const finishedAt = at();
    await jobs.update(job._id, {
      status: 'done',
      percent: 100,
      files,
      totalFiles: total,
      size: bytes,
      chunks,
      updatedAt: finishedAt,
      finishedAt,
      expiresAt: new Date(finishedAt.getTime() + EXPORT_KEEP_MS),
    });
  } catch (err) {
    clearInterval(heartbeat);
    ctx.logger.error({ err, exportId: job._id, spaceId: job.spaceId }, 'space export failed');
    out.stream.destroy();
    await writing;
    await jobs.update(job._id, { status: 'failed', error: 'The export could not be completed. Please try again.', updatedAt: at(), finishedAt: at() });
    await zips.remove(job._id);
  }
}

/** Runs export jobs one at a time in this process (the machine's cores are for serving people first). */
export function createExportQueue(d: ExportDeps) {
  let chain: Promise<void> = Promise.resolve();
  return {
    enqueue(job: ExportRecord): void {
      chain = chain.then(() => runExport(d, job)).catch((err) => d.ctx.logger.error({ err }, 'export queue failed'));
    },
    /** Resolves once every queued export has finished (shutdown). */
    drain: () => chain,
  };
}
