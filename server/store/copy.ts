/**
 * Copies every collection of one store into another through the storage port (so any two adapters, in
 * either direction), for `npm run migrate`. Each collection is read in `_id` order, a page at a time, and
 * each record is upserted by `_id` (inserted when missing, rewritten when different, left alone when
 * equal): running it again after an interruption resumes where it matters and changes nothing that is
 * already right. At the end the source and target counts of every collection must agree.
 */
import { isDeepStrictEqual } from 'node:util';
import { isChunkCollection } from './chunks';
import type { Doc, Store } from './port';

export interface CopyReport {
  collections: { name: string; source: number; target: number; inserted: number; rewritten: number; unchanged: number }[];
  /** Collections whose counts differ after the copy (the target had records the source does not). */
  mismatched: string[];
}

/** Records that are per process, not data: never copied. */
const SKIP = new Set(['health']);

/** Copies `names` from `from` into `to`; `onPage` reports progress. */
export async function copyStore(
  from: Store,
  to: Store,
  names: string[],
  options: { batch?: number; onPage?: (collection: string, copied: number) => void } = {},
): Promise<CopyReport> {
  const batch = options.batch ?? 500;
  const report: CopyReport = { collections: [], mismatched: [] };
  for (const name of names.filter((n) => !SKIP.has(n))) {
    const source = from.collection<Doc & Record<string, unknown>>(name);
    const target = to.collection<Doc & Record<string, unknown>>(name);
    const row = { name, source: 0, target: 0, inserted: 0, rewritten: 0, unchanged: 0 };
    let last: string | null = null;
    // A chunk record holds up to 4 MB: a page of 500 of them would hold gigabytes.
    const limit = isChunkCollection(name) ? 2 : batch;
    for (;;) {
      const page = await source.find(last === null ? {} : { _id: { $gt: last } }, { sort: { _id: 1 }, limit });
      if (page.length === 0) break;
      last = page[page.length - 1]!._id;
      const existing = new Map((await target.find({ _id: { $in: page.map((d) => d._id) } })).map((d) => [d._id, d]));
      const missing = page.filter((d) => !existing.has(d._id));
      if (missing.length) await target.insertMany(missing);
      row.inserted += missing.length;
      for (const doc of page) {
        const there = existing.get(doc._id);
        if (!there) continue;
        if (isDeepStrictEqual(there, doc)) {
          row.unchanged++;
          continue;
        }
        const { _id, ...fields } = doc;
        const extra = Object.keys(there).filter((k) => k !== '_id' && !(k in fields));
        await target.updateOne({ _id }, { ...(Object.keys(fields).length ? { $set: fields } : {}), ...(extra.length ? { $unset: Object.fromEntries(extra.map((k) => [k, ''])) as Record<string, ''> } : {}) });
        row.rewritten++;
      }
      options.onPage?.(name, row.inserted + row.rewritten + row.unchanged);
    }
    row.source = await source.count({});
    row.target = await target.count({});
    if (row.source !== row.target) report.mismatched.push(name);
    report.collections.push(row);
  }
  return report;
}
