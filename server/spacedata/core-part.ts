/**
 * The core's share of a space's data (the collections the app itself keeps, not a feature): the space's
 * settings, its members and roles in the export; memberships, invites and join requests in the erase.
 */
import type { Ctx } from '../context';
import { csvLine } from './csv';
import type { SpaceDataPart } from './port';

/** The core part over the app's repositories. */
export function corePart(ctx: Ctx): SpaceDataPart {
  const members = async (spaceId: string) => {
    const list = await ctx.repos.memberships.ofSpace(spaceId);
    const users = new Map((await ctx.repos.users.byIds(list.map((m) => m.userId))).map((u) => [u._id, u]));
    // Names and roles, as every member of the space sees them; email addresses stay in the accounts.
    return list.map((m) => ({ id: m.userId, name: users.get(m.userId)?.name ?? 'Former member', role: m.role, joinedAt: m.joinedAt.toISOString() }));
  };
  return {
    name: 'space',
    async export({ spaceId, sink }) {
      sink.file('space.json', async () => {
        const s = await ctx.repos.spaces.byId(spaceId);
        if (!s) throw new Error('The space is gone.');
        const space = { id: s._id, name: s.name, kind: s.kind, description: s.description, visibility: s.visibility, guestRights: s.guestRights ?? {}, currency: s.currency ?? 'USD', createdAt: s.createdAt.toISOString() };
        return JSON.stringify(space, null, 2);
      });
      sink.describe('space.json  the space: name, kind, description, visibility, what guests may do, currency.');
      sink.file('members/members.json', async () => JSON.stringify(await members(spaceId), null, 2));
      sink.file('members/members.csv', async () => csvLine(['user_id', 'name', 'role', 'joined_at']) + (await members(spaceId)).map((m) => csvLine([m.id, m.name, m.role, m.joinedAt])).join(''));
      sink.describe('members/members.json, members/members.csv  every member with their role (facilitator, member, guest) and when they joined.');
    },
    async erase(spaceId) {
      await ctx.store.collection('invites').deleteMany({ spaceId });
      await ctx.store.collection('joinRequests').deleteMany({ spaceId });
      await ctx.store.collection('memberships').deleteMany({ spaceId });
    },
  };
}
