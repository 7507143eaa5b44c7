/** The member list of one space, shared by the members panel and the join-requests panel (approving adds a member). */
import type { Member, Role } from '../../../shared/types';
import { api } from './api';

export class MembersState {
  members = $state<Member[]>([]);
  loading = $state(true);
  error = $state<unknown>(null);

  constructor(readonly spaceId: string) {}

  private get base() {
    return `/api/spaces/${encodeURIComponent(this.spaceId)}/members`;
  }

  /** (Re)loads the list. */
  async load(): Promise<void> {
    this.loading = true;
    try {
      const r = await api.get<{ members: Member[] }>(this.base);
      this.members = r.members;
      this.error = null;
    } catch (err) {
      this.error = err;
    } finally {
      this.loading = false;
    }
  }

  /** Changes a member's role (facilitators); throws ApiError, e.g. 409 for the last facilitator. */
  async setRole(userId: string, role: Role): Promise<void> {
    await api.patch(`${this.base}/${encodeURIComponent(userId)}`, { role });
    this.members = this.members.map((m) => (m.user.id === userId ? { ...m, role } : m));
  }

  /** Removes a member (facilitators). */
  async remove(userId: string): Promise<void> {
    await api.delete(`${this.base}/${encodeURIComponent(userId)}`);
    this.members = this.members.filter((m) => m.user.id !== userId);
  }
}
