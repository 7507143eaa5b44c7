/**
 * The message list as one Tab stop (a roving tabindex, as chat apps do): only one message, the last one
 * focused (the newest at first), and its own buttons and links are in the Tab order; ArrowUp/ArrowDown,
 * Home and End move between messages. So the composer is a few Tab stops away however long the channel.
 */
const FOCUSABLE = 'a[href], button, input, textarea, select, [tabindex]';
const MOVES: Record<string, (i: number, n: number) => number> = {
  ArrowDown: (i, n) => Math.min(n - 1, i + 1),
  ArrowUp: (i) => Math.max(0, i - 1),
  Home: () => 0,
  End: (_i, n) => n - 1,
};

/** Svelte action for the scroller that holds the `article[data-message-id]` messages. */
export function rovingMessages(node: HTMLElement): { destroy(): void } {
  let activeId: string | null = null;
  let queued = false;
  const articles = () => [...node.querySelectorAll<HTMLElement>('article[data-message-id]')];

  function sync() {
    queued = false;
    const all = articles();
    const active = all.find((a) => a.dataset.messageId === activeId) ?? all[all.length - 1];
    // With no message, the scroller itself stays reachable (a scrollable region must be).
    node.tabIndex = all.length ? -1 : 0;
    for (const a of all) {
      const on = a === active;
      a.tabIndex = on ? 0 : -1;
      for (const el of a.querySelectorAll<HTMLElement>(FOCUSABLE)) el.tabIndex = on ? 0 : -1;
    }
  }
  const later = () => {
    if (queued) return;
    queued = true;
    queueMicrotask(sync);
  };

  function onFocusin(e: FocusEvent) {
    const a = (e.target as HTMLElement).closest<HTMLElement>('article[data-message-id]');
    if (a && a.dataset.messageId !== activeId) {
      activeId = a.dataset.messageId ?? null;
      sync();
    }
  }

  function onKeydown(e: KeyboardEvent) {
    const t = e.target as HTMLElement;
    const move = MOVES[e.key];
    if (!move || t.closest('textarea, input, select, [contenteditable="true"]')) return;
    const all = articles();
    const at = all.indexOf(t.closest<HTMLElement>('article[data-message-id]')!);
    if (at < 0) return;
    e.preventDefault();
    all[move(at, all.length)]?.focus();
  }

  // Messages come, go and re-render (reactions, edits): keep exactly one stop.
  const observer = new MutationObserver(later);
  observer.observe(node, { childList: true, subtree: true });
  node.addEventListener('focusin', onFocusin);
  node.addEventListener('keydown', onKeydown);
  sync();
  return {
    destroy() {
      observer.disconnect();
      node.removeEventListener('focusin', onFocusin);
      node.removeEventListener('keydown', onKeydown);
    },
  };
}
