/**
 * The space being viewed, shared by the space layout (header, tabs) and every view inside it.
 * Views under `layout: 'space'` may call `useSpace()` to read the space and the viewer's role.
 */
import { getContext, setContext } from 'svelte';
import type { Action } from '../../../shared/policy';
import type { Role, Space } from '../../../shared/types';
import { api } from './api';
import { closedToGuests, may } from './policy';

export class SpaceState {
  space = $state<Space | null>(null);
  /** The viewer's role, or null for a signed-in visitor of a listed space. */
  role = $state<Role | null>(null);
  pendingRequest = $state(false);
  loading = $state(true);
  error = $state<unknown>(null);

  constructor(readonly id: string) {}

  /** Whether the viewer may take `action` here (the shared policy table, with this space's settings). */
  may(action: Action): boolean {
    return may(this.role, action, this.space);
  }

  /** Whether `action` is closed to the viewer only because this space switched it off for guests. */
  closedToGuests(action: Action): boolean {
    return closedToGuests(this.role, action, this.space);
  }

  /** (Re)loads GET /api/spaces/:id. */
  async load(): Promise<void> {
    this.loading = true;
    try {
      const r = await api.get<{ space: Space; role: Role | null; pendingRequest: boolean }>(`/api/spaces/${encodeURIComponent(this.id)}`);
      this.space = r.space;
      this.role = r.role;
      this.pendingRequest = r.pendingRequest;
      this.error = null;
    } catch (err) {
      this.error = err;
    } finally {
      this.loading = false;
    }
  }
}

const KEY = Symbol('space');

/** Called by the space layout. */
export function provideSpace(state: SpaceState): void {
  setContext(KEY, state);
}

/** The space around the current view, or undefined outside a `layout: 'space'` route. */
export function useSpace(): SpaceState | undefined {
  return getContext<SpaceState | undefined>(KEY);
}
