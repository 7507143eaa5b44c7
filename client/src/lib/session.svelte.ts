/** Who is signed in: loaded once at boot from GET /api/me, changed by log in, sign up, log out and a rename. */
import type { User } from '../../../shared/types';
import { clearCopies } from '../docs/local-copies';
import { ApiError, api } from './api';

class Session {
  user = $state<User | null>(null);
  /** False until GET /api/me has answered; the app shows a loading state meanwhile. */
  ready = $state(false);
  /** Set when the boot request failed for a reason other than "not signed in". */
  bootError = $state<string | null>(null);
  /** What the login page should say after a logout that could not reach the server (null otherwise). */
  logoutNotice = $state<string | null>(null);

  /** Asks the server who we are. */
  async load(): Promise<void> {
    try {
      const r = await api.get<{ user: User }>('/api/me', { allowAnonymous: true });
      this.user = r.user;
    } catch (err) {
      this.user = null;
      if (!(err instanceof ApiError && err.status === 401)) this.bootError = (err as Error).message;
    } finally {
      this.ready = true;
    }
  }

  /** Logs in; throws ApiError (401 wrong password, 429 too many attempts, 400 bad fields). */
  async login(body: { email: string; password: string }): Promise<void> {
    const r = await api.post<{ user: User }>('/api/auth/login', body, { allowAnonymous: true });
    this.user = r.user;
    this.logoutNotice = null;
  }

  /** Sets a new password with a mailed reset link; the server ends every other login and signs this browser in. */
  async resetPassword(token: string, password: string): Promise<void> {
    const r = await api.post<{ user: User }>(`/api/auth/password-reset/${encodeURIComponent(token)}`, { password }, { allowAnonymous: true });
    this.user = r.user;
    this.logoutNotice = null;
  }

  /** Creates an account and signs in. */
  async signup(body: { email: string; password: string; name: string }): Promise<void> {
    const r = await api.post<{ user: User }>('/api/auth/signup', body, { allowAnonymous: true });
    this.user = r.user;
  }

  /** Changes the display name; the header shows it at once. Throws ApiError (400 names the field). */
  async rename(name: string): Promise<void> {
    const r = await api.patch<{ user: User }>('/api/me', { name });
    this.user = r.user;
  }

  /**
   * Changes the password. The server logs out every other device and gives this browser a new session
   * cookie, so this tab stays signed in. Throws ApiError (400 on currentPassword when it is wrong, 429).
   */
  async changePassword(body: { currentPassword: string; newPassword: string }): Promise<void> {
    await api.post('/api/me/password', body);
  }

  /**
   * Ends the session server-side; the local state is cleared even if the network fails, and so are the
   * offline copies of the user's documents on this device (check `unsavedCopies` first to warn).
   */
  async logout(): Promise<void> {
    const id = this.user?.id;
    this.logoutNotice = null;
    try {
      await api.post('/api/auth/logout', {}, { allowAnonymous: true });
    } catch {
      // Offline or the server is down: this device forgets the login all the same.
      this.logoutNotice =
        'You are logged out on this device. The server could not be reached to end the login there: it ends on its own when it expires, or log in and out again once you are back online.';
    } finally {
      this.user = null;
      if (id) await clearCopies(id);
    }
  }
}

export const session = new Session();
