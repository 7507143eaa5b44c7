/**
 * The only way message text becomes HTML in the page: marked (markdown.ts), then DOMPurify with a strict
 * allow-list. Links open in a new tab with rel="noopener noreferrer" and only hrefs the safe-link rule
 * (shared/links.ts) accepts survive. Views may `{@html renderMessage(text)}`, and nothing else.
 */
import DOMPurify from 'dompurify';
import { isSafeHref, SAFE_HREF_PATTERN } from '../../../shared/links';
import { markdownToHtml } from './markdown';

const ALLOWED_TAGS = ['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'ul', 'ol', 'li', 'blockquote', 'a', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td'];

let purifier: ReturnType<typeof DOMPurify> | null = null;

function getPurifier() {
  if (purifier) return purifier;
  purifier = DOMPurify(window);
  purifier.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName !== 'A') return;
    const href = node.getAttribute('href');
    if (!href || !isSafeHref(href)) {
      node.removeAttribute('href');
      return;
    }
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  });
  return purifier;
}

/** Sanitises HTML with the chat allow-list (browser only). */
export function sanitize(html: string): string {
  return getPurifier().sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ['href', 'target', 'rel'],
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOWED_URI_REGEXP: SAFE_HREF_PATTERN,
  });
}

const cache = new Map<string, string>();

/** Message markdown -> safe HTML, memoised (a long history re-renders the same texts). */
export function renderMessage(text: string): string {
  let html = cache.get(text);
  if (html === undefined) {
    html = sanitize(markdownToHtml(text));
    if (cache.size > 2000) cache.clear();
    cache.set(text, html);
  }
  return html;
}
