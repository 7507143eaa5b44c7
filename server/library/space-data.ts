/**
 * The library's part of a space's erase (server/spacedata/port.ts). Publications the space already
 * published stay in the library: they are frozen copies shared with every teacher under their license,
 * and their credited authors can still withdraw them. What the library keeps about the space itself goes:
 * its review moderation log, its "Names to watch" and the records of remixes made into it.
 */
import type { SpaceDataPart } from '../spacedata/port';
import type { Store } from '../store/port';

/** The part over the store (the library's own collections). */
export function librarySpaceData(store: Store): SpaceDataPart {
  return {
    name: 'library',
    async erase(spaceId) {
      await store.collection('libraryModeration').deleteMany({ spaceId });
      await store.collection('libraryRemixes').deleteMany({ spaceId });
      await store.collection('namesToWatch').deleteOne({ _id: spaceId });
    },
  };
}
