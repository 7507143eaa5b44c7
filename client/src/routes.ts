/**
 * The route table. To add a page, add ONE line: a path (`:param` segments become string props of the
 * view), a lazy import of the view, a title, and optionally `auth: false` (public page) or
 * `layout: 'space'` (rendered under the space header and tabs; needs `:spaceId`). First match wins.
 */
import type { RouteDef } from './lib/router.svelte';

export const routes: RouteDef[] = [
  { path: '/', view: () => import('./views/MySpaces.svelte'), title: 'My spaces' },
  { path: '/login', view: () => import('./views/Login.svelte'), title: 'Log in', auth: false },
  { path: '/forgot-password', view: () => import('./views/ForgotPassword.svelte'), title: 'Forgot password', auth: false },
  { path: '/reset-password/:token', view: () => import('./views/ResetPassword.svelte'), title: 'Choose a new password', auth: false },
  { path: '/unsubscribe/:token', view: () => import('./views/Unsubscribe.svelte'), title: 'Stop notification email', auth: false },
  { path: '/signup', view: () => import('./views/Signup.svelte'), title: 'Sign up', auth: false },
  { path: '/directory', view: () => import('./views/Directory.svelte'), title: 'Directory' },
  { path: '/admin', view: () => import('./views/Admin.svelte'), title: 'Administration' },
  { path: '/account', view: () => import('./views/Account.svelte'), title: 'Account settings' },
  { path: '/invite/:code', view: () => import('./views/InviteLanding.svelte'), title: 'Invitation', auth: false },
  { path: '/spaces/new', view: () => import('./views/NewSpace.svelte'), title: 'Create a space' },
  { path: '/spaces/:spaceId', view: () => import('./views/SpaceHome.svelte'), title: 'Overview', layout: 'space' },
  { path: '/spaces/:spaceId/docs', view: () => import('./views/SpaceDocs.svelte'), title: 'Documents', layout: 'space' },
  { path: '/spaces/:spaceId/chat', view: () => import('./views/SpaceChat.svelte'), title: 'Discussion', layout: 'space' },
  { path: '/spaces/:spaceId/chat/:channelId', view: () => import('./views/SpaceChat.svelte'), title: 'Discussion', layout: 'space' },
  { path: '/spaces/:spaceId/sessions', view: () => import('./views/SpaceSessions.svelte'), title: 'Sessions', layout: 'space' },
  { path: '/docs/:docId', view: () => import('./views/DocPage.svelte'), title: 'Document' },
  { path: '/library', view: () => import('./views/Library.svelte'), title: 'Library' },
  // Readable signed out: the page itself asks to log in when the publication is not public on the web.
  { path: '/library/:publicationId', view: () => import('./views/Publication.svelte'), title: 'Library', auth: false },
  { path: '/sessions/:sessionId', view: () => import('./views/SessionPage.svelte'), title: 'Session' },
];

/** Tabs shown under a space's header; add one here when a new `layout: 'space'` section appears. */
export const spaceTabs: { label: string; suffix: string }[] = [
  { label: 'Overview', suffix: '' },
  { label: 'Documents', suffix: '/docs' },
  { label: 'Discussion', suffix: '/chat' },
  { label: 'Sessions', suffix: '/sessions' },
];
