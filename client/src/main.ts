import { mount } from 'svelte';
import App from './App.svelte';
import { setUnauthorizedHandler } from './lib/api';
import { loginHref } from './lib/nav';
import { router } from './lib/router.svelte';
import { session } from './lib/session.svelte';
import './styles/app.css';

// Any call answering 401 means the session ended (expired, logged out elsewhere): go log in, then come back.
setUnauthorizedHandler(() => {
  session.user = null;
  if (router.path !== '/login' && router.path !== '/signup') router.navigate(loginHref(router.current), { replace: true });
});

session.load();

const target = document.getElementById('app');
if (!target) throw new Error('missing #app');
mount(App, { target });
