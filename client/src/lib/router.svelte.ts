/**
 * A small History-API router. The route table lives in ../routes.ts; this file only matches paths,
 * tracks the current URL as runes state, and turns clicks on same-origin `<a href>` into navigations.
 */
import type { Component } from 'svelte';

/** One line of the route table. */
export interface RouteDef {
  /** A path pattern; `:name` captures one segment and is passed to the view as a string prop. */
  path: string;
  /** Lazy import of the view, so heavy views (editors) load only when visited. */
  view: () => Promise<{ default: Component<any> }>;
  /** Shown in the tab title (`<title> · Collaboratory`). */
  title: string;
  /** Signed-out visitors are sent to /login?next=... unless this is false. Default true. */
  auth?: boolean;
  /** `space`: rendered inside the space header and tab navigation (the route needs `:spaceId`). */
  layout?: 'space';
}

export interface Match {
  route: RouteDef;
  params: Record<string, string>;
}

const compiled = new WeakMap<RouteDef, RegExp>();
function regexOf(route: RouteDef): RegExp {
  let re = compiled.get(route);
  if (!re) {
    const src = route.path
      .split('/')
      .map((seg) => (seg.startsWith(':') ? `(?<${seg.slice(1)}>[^/]+)` : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    re = new RegExp(`^${src}/?$`);
    compiled.set(route, re);
  }
  return re;
}

/** The first route whose pattern matches `pathname`, with its decoded params; null when none does. */
export function matchRoute(routes: readonly RouteDef[], pathname: string): Match | null {
  for (const route of routes) {
    const m = regexOf(route).exec(pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    try {
      for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = decodeURIComponent(v);
    } catch {
      return null;
    }
    return { route, params };
  }
  return null;
}

/** The current location as reactive state. */
class Router {
  path = $state(location.pathname);
  search = $state(location.search);

  constructor() {
    addEventListener('popstate', () => this.sync());
    document.addEventListener('click', (e) => this.onClick(e));
  }

  /** The current query string, parsed. */
  get query(): URLSearchParams {
    return new URLSearchParams(this.search);
  }

  /** Path plus query: what a `next=` parameter should bring the user back to. */
  get current(): string {
    return this.path + this.search;
  }

  /** Goes to an in-app URL without reloading; `replace` rewrites the current history entry. */
  navigate(to: string, opts: { replace?: boolean } = {}): void {
    const url = new URL(to, location.href);
    if (url.origin !== location.origin) {
      location.assign(url.href);
      return;
    }
    const target = url.pathname + url.search + url.hash;
    if (target === location.pathname + location.search + location.hash) {
      if (!opts.replace) return;
    }
    history[opts.replace ? 'replaceState' : 'pushState'](null, '', target);
    this.sync();
    if (!url.hash) scrollTo(0, 0);
  }

  private sync() {
    this.path = location.pathname;
    this.search = location.search;
  }

  private onClick(e: MouseEvent) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || !a.hasAttribute('href') || a.target || a.hasAttribute('download') || a.dataset.native !== undefined) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) return;
    if (url.pathname.startsWith('/api/')) return;
    // In-page anchors (the skip link) keep the browser's own behaviour.
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
    e.preventDefault();
    this.navigate(url.pathname + url.search + url.hash);
  }
}

export const router = new Router();
