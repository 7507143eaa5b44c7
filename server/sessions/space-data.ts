/**
 * The sessions feature's part of a space's data (server/spacedata/port.ts): each live session's summary
 * as Markdown (attendance, roles, norms, agenda, decisions, action items, votes), as the facilitator who
 * asked would download it; and the erase of everything sessions keep about the space.
 */
import { entryName } from '../spacedata/names';
import type { SpaceDataPart } from '../spacedata/port';
import type { SessionCommands } from './commands';
import type { SessionsCore } from './core';
import type { LiveSessionRecord } from './records';
import { buildSummary, summaryMarkdown } from './summary';

const SPACE_KEYED = ['sessionVotes', 'sessionDecisions', 'actionItems', 'liveSessions'];

/** The part over the feature's core and commands. */
export function sessionsSpaceData(core: SessionsCore, commands: SessionCommands): SpaceDataPart {
  const { store, config } = core.ctx;
  return {
    name: 'sessions',
    async export({ spaceId, userId, sink }) {
      const sessions = await store.collection<LiveSessionRecord>('liveSessions').find({ spaceId }, { sort: { createdAt: 1, _id: 1 } });
      for (const s of sessions) {
        const day = (s.live.startedAt !== null ? new Date(s.live.startedAt) : (s.scheduledAt ?? s.createdAt)).toISOString().slice(0, 10);
        sink.file(`sessions/${day}-${entryName(s.title, s._id)}.md`, async () => summaryMarkdown(await buildSummary(core, commands, userId, s._id), config.publicUrl.replace(/\/+$/, '')));
      }
      sink.describe('sessions/<date>-<title>--<id>.md  each live session\'s summary: attendance, roles, norms, agenda with times, decisions, action items, votes.');
    },
    async erase(spaceId) {
      for (const name of SPACE_KEYED) await store.collection(name).deleteMany({ spaceId });
      await store.collection('spaceNorms').deleteOne({ _id: spaceId });
    },
  };
}
