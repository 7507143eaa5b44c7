/** Helpers for links that carry a "come back here afterwards" target. */

/** A `next` target we are willing to follow: a same-site path, never another origin. */
export function safeNext(raw: string | null | undefined, fallback = '/'): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return fallback;
  return raw;
}

/** The login page that returns to `next` afterwards. */
export function loginHref(next?: string): string {
  return next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login';
}

/** The sign-up page that returns to `next` afterwards. */
export function signupHref(next?: string): string {
  return next && next !== '/' ? `/signup?next=${encodeURIComponent(next)}` : '/signup';
}
