/**
 * Stored shapes of the library and its repository over the storage port (written once; adapters only
 * translate; filters keep to the port's documented subset).
 *
 * Search: each publication stores `words`, the lowercased distinct words of its title, summary, tags and
 * frozen content (like chat messages do). Every engine matches an array field element by element, so
 * `{ words: 'ratios' }` is an index lookup in MongoDB and the embedded store alike, and the same query
 * gives the same publications everywhere; further words are equality conditions under `$and`.
 */
import type { ChangeSummary, License, PublicationVisibility, StudentInfoFinding } from '../../shared/library';
import { crashPoint } from '../crash';
import type { Filter, IndexSpec, SortSpec, Store } from '../store/port';
import { blobOwner, createStateBlobs, stateBlobIndexes } from '../store/state-blobs';

export interface PublicationRecord {
  _id: string;
  /** One publication per document: publishing it again adds a version. */
  docId: string;
  spaceId: string;
  title: string;
  summary: string;
  template: string;
  subjects: string[];
  grades: string[];
  /** Lowercased subjects and grades, for filters that ignore case. */
  subjectsLower: string[];
  gradesLower: string[];
  license: License;
  visibility: PublicationVisibility;
  /** Credited user ids, in the publisher's order. Members left out are stored nowhere. */
  authorIds: string[];
  version: number;
  publishedAt: Date;
  firstPublishedAt: Date;
  remixedFrom: { publicationId: string; version: number } | null;
  remixCount: number;
  usedCount: number;
  reviewCount: number;
  withdrawn: boolean;
  withdrawnAt: Date | null;
  withdrawnBy: string | null;
  words: string[];
}

/** A published version's metadata (listed on the page without loading any content). */
export interface PublicationVersionRecord {
  /** `${publicationId}:${version}` */
  _id: string;
  publicationId: string;
  version: number;
  changes: ChangeSummary | null;
  publishedBy: string;
  publishedAt: Date;
  /** The student-information check run on exactly this content, and the publisher's confirmation. */
  check: { at: Date; findings: number; kinds: StudentInfoFinding['kind'][]; confirmedBy: string | null; reason: string | null };
}

/** A version's frozen content: the Yjs state at publish time and its renderings. */
export interface FrozenContent {
  state: Uint8Array;
  markdown: string;
  html: string;
}

/**
 * A version's frozen content as stored (same id as the version): the three parts packed into chunks
 * (`publicationBlobs`, server/store/state-blobs.ts), so a document past MongoDB's 16 MB record limit
 * publishes. Contents stored before chunked states hold the parts inline instead of `blob`.
 */
export interface PublicationContentRecord extends Partial<FrozenContent> {
  _id: string;
  publicationId: string;
  blob?: string;
}

/** The chunk store of frozen contents. */
const CONTENT_BLOBS = 'publicationBlobs';

/** The three parts as one value: their byte lengths (3 x uint32), then the bytes. */
function packContent(c: FrozenContent): Uint8Array {
  const parts = [c.state, Buffer.from(c.markdown, 'utf8'), Buffer.from(c.html, 'utf8')];
  const head = Buffer.alloc(12);
  parts.forEach((p, i) => head.writeUInt32BE(p.byteLength, i * 4));
  return Buffer.concat([head, ...parts]);
}

function unpackContent(bytes: Uint8Array): FrozenContent {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [s, m] = [b.readUInt32BE(0), b.readUInt32BE(4)];
  return { state: new Uint8Array(b.subarray(12, 12 + s)), markdown: b.toString('utf8', 12 + s, 12 + s + m), html: b.toString('utf8', 12 + s + m) };
}

/** A document made by remixing a publication (kept so the remix learns of newer versions). */
export interface RemixRecord {
  /** The new document's id. */
  _id: string;
  spaceId: string;
  publicationId: string;
  version: number;
  by: string;
  at: Date;
}

export interface ReviewRecord {
  _id: string;
  publicationId: string;
  authorId: string;
  text: string;
  createdAt: Date;
  removedAt: Date | null;
  removedBy: string | null;
}

/** "I used this": one per user and publication (`${publicationId}:${userId}`). */
export interface UseRecord {
  _id: string;
  publicationId: string;
  userId: string;
  at: Date;
}

/** What a facilitator removed, kept for the publishing space's audit. */
export interface LibraryModerationRecord {
  _id: string;
  spaceId: string;
  publicationId: string;
  reviewId: string;
  action: 'review.remove';
  actorId: string;
  authorId: string;
  text: string;
  reason: string;
  at: Date;
}

/** A space's private "Names to watch": salted hashes only, never the names. */
export interface WatchListRecord {
  /** The space id. */
  _id: string;
  salt: string;
  hashes: string[];
  updatedBy: string;
  updatedAt: Date;
}

export const LIBRARY_INDEXES: IndexSpec[] = [
  { collection: 'publications', fields: { docId: 1 }, unique: true },
  { collection: 'publications', fields: { words: 1 } },
  { collection: 'publications', fields: { withdrawn: 1, publishedAt: -1 } },
  { collection: 'publicationVersions', fields: { publicationId: 1, version: -1 } },
  { collection: 'libraryRemixes', fields: { publicationId: 1, at: -1 } },
  { collection: 'libraryReviews', fields: { publicationId: 1, createdAt: -1 } },
  { collection: 'libraryModeration', fields: { spaceId: 1, at: -1 } },
  ...stateBlobIndexes(CONTENT_BLOBS),
];

/** The library repository. */
export function createLibraryRepo(store: Store) {
  const pubs = store.collection<PublicationRecord>('publications');
  const versions = store.collection<PublicationVersionRecord>('publicationVersions');
  const contents = store.collection<PublicationContentRecord>('publicationContents');
  const remixes = store.collection<RemixRecord>('libraryRemixes');
  const reviews = store.collection<ReviewRecord>('libraryReviews');
  const uses = store.collection<UseRecord>('libraryUses');
  const moderation = store.collection<LibraryModerationRecord>('libraryModeration');
  const watch = store.collection<WatchListRecord>('namesToWatch');
  const blobs = createStateBlobs(store, CONTENT_BLOBS);
  return {
    /**
     * At start: a publish that died between its content and its version metadata (longer ago than the
     * grace period) leaves a content no version lists; it goes with its chunks.
     */
    repair: (now: Date) =>
      blobs.repair(async (blob) => {
        const _id = blobOwner(blob);
        if (await versions.findOne({ _id })) return (await contents.findOne({ _id }))?.blob === blob;
        await contents.deleteOne({ _id, blob });
        return false;
      }, now),
    publications: {
      insert: (p: PublicationRecord) => pubs.insertOne(p),
      byId: (id: string) => pubs.findOne({ _id: id }),
      byDoc: (docId: string) => pubs.findOne({ docId }),
      byDocs: (docIds: string[]) => pubs.find({ docId: { $in: docIds } }),
      update: (id: string, set: Partial<PublicationRecord>) => pubs.findOneAndUpdate({ _id: id }, { $set: set }),
      bump: (id: string, field: 'remixCount' | 'usedCount' | 'reviewCount', by = 1) => pubs.updateOne({ _id: id }, { $inc: { [field]: by } }),
      search: (filter: Filter, sort: SortSpec, skip: number, limit: number) => pubs.find(filter, { sort, skip, limit }),
      count: (filter: Filter) => pubs.count(filter),
    },
    versions: {
      /**
       * Stores the content first (chunks, then the record naming them), the metadata last: a listed version
       * always has its content; what a crash leaves before the metadata goes at the next start (`repair`).
       */
      async insert(v: PublicationVersionRecord, content: FrozenContent): Promise<void> {
        const blob = await blobs.write(v._id, packContent(content));
        crashPoint('library.publish:after-chunks');
        try {
          await contents.insertOne({ _id: v._id, publicationId: v.publicationId, blob });
        } catch (err) {
          await blobs.drop([blob]).catch(() => undefined);
          throw err;
        }
        crashPoint('library.publish:after-content');
        await versions.insertOne(v);
        await blobs.settle(blob);
      },
      /** Removes a version that never became part of a publication (metadata first, like docs versions). */
      async remove(publicationId: string, version: number): Promise<void> {
        const _id = `${publicationId}:${version}`;
        const owned = (await contents.findOne({ _id }))?.blob;
        await blobs.condemn(owned ? [owned] : []);
        await versions.deleteOne({ _id });
        await contents.deleteOne({ _id });
        if (owned) await blobs.drop([owned]);
      },
      /** A version's frozen content, or null. */
      async content(publicationId: string, version: number): Promise<FrozenContent | null> {
        const c = await contents.findOne({ _id: `${publicationId}:${version}` });
        if (c?.blob) {
          const bytes = await blobs.read(c.blob);
          return bytes ? unpackContent(bytes) : null;
        }
        return c?.state ? { state: c.state, markdown: c.markdown ?? '', html: c.html ?? '' } : null;
      },
      list: (publicationId: string) => versions.find({ publicationId }, { sort: { version: -1 } }),
    },
    remixes: {
      insert: (r: RemixRecord) => remixes.insertOne(r),
      ofDoc: (docId: string) => remixes.findOne({ _id: docId }),
      ofPublication: (publicationId: string, limit = 50) => remixes.find({ publicationId }, { sort: { at: -1 }, limit }),
    },
    reviews: {
      insert: (r: ReviewRecord) => reviews.insertOne(r),
      byId: (publicationId: string, id: string) => reviews.findOne({ _id: id, publicationId }),
      list: (publicationId: string, limit = 100) => reviews.find({ publicationId, removedAt: null }, { sort: { createdAt: -1 }, limit }),
      remove: (id: string, by: string, at: Date) => reviews.updateOne({ _id: id, removedAt: null }, { $set: { removedAt: at, removedBy: by, text: '' } }),
    },
    uses: {
      /** Throws DuplicateKeyError when this user already said so. */
      insert: (u: UseRecord) => uses.insertOne(u),
      has: (publicationId: string, userId: string) => uses.findOne({ _id: `${publicationId}:${userId}` }).then(Boolean),
    },
    moderation: {
      insert: (m: LibraryModerationRecord) => moderation.insertOne(m),
      ofSpace: (spaceId: string, limit = 100) => moderation.find({ spaceId }, { sort: { at: -1 }, limit }),
    },
    watch: {
      get: (spaceId: string) => watch.findOne({ _id: spaceId }),
      set: (r: WatchListRecord) => watch.updateOne({ _id: r._id }, { $set: { salt: r.salt, hashes: r.hashes, updatedBy: r.updatedBy, updatedAt: r.updatedAt } }, { upsert: true }),
    },
  };
}

export type LibraryRepo = ReturnType<typeof createLibraryRepo>;
