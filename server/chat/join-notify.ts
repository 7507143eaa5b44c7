/**
 * A request to join a space becomes a notification for each of its facilitators, live on their bell, so
 * they hear of it without opening the space's Overview (where they approve or decline it).
 */
import { newSortableId } from '../ids';
import { storeNotification, unreadNotices } from './notify';
import { presentNotification } from './presenters';
import type { NotificationRecord } from './records';
import type { ChatDeps } from './service';

const excerptOf = (text: string) => (text.length > 140 ? `${text.slice(0, 139)}…` : text);

/** Listens for new join requests and notifies the space's facilitators; returns the unsubscribe. */
export function notifyJoinRequests(deps: ChatDeps): () => void {
  return deps.ctx.bus.on('joinRequest:created', (e) => void notifyFacilitators(deps, e));
}

async function notifyFacilitators(deps: ChatDeps, e: { spaceId: string; requestId: string; userId: string; message: string }): Promise<void> {
  try {
    const { repos } = deps.ctx;
    const [space, requester, members] = await Promise.all([repos.spaces.byId(e.spaceId), repos.users.byId(e.userId), repos.memberships.ofSpace(e.spaceId)]);
    for (const f of members.filter((m) => m.role === 'facilitator')) {
      const n: NotificationRecord = {
        _id: newSortableId(deps.ctx.now()),
        userId: f.userId,
        kind: 'joinRequest',
        spaceId: e.spaceId,
        channelId: '',
        messageId: e.requestId,
        parentId: null,
        actorId: e.userId,
        actorName: requester?.name ?? 'Someone',
        excerpt: excerptOf(e.message),
        createdAt: new Date(deps.ctx.now()),
        readAt: null,
      };
      if (!(await storeNotification(deps, n))) continue;
      const unread = await unreadNotices(deps, f.userId);
      const notification = presentNotification(n, space?.name ?? '', '');
      deps.out.toUsers(f.userId, 'notification:new', { notification, unread });
      // The email feature mails it too (issue 17: facilitators hear of requests even away from the app).
      deps.ctx.bus.emit('notification:created', { userId: f.userId, notification });
    }
  } catch (err) {
    deps.ctx.logger.error({ err, spaceId: e.spaceId }, 'join request notification failed');
  }
}
