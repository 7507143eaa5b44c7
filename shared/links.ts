/**
 * The one rule for link targets, used wherever a link is accepted or emitted: the editor (link form,
 * pasted and typed links), chat rendering and document export. Only absolute http, https and mailto URLs
 * pass; javascript:, data:, relative and unparseable addresses do not.
 */

/** The schemes a link may use (Tiptap's `protocols` option takes this list). */
export const SAFE_LINK_PROTOCOLS = ['http', 'https', 'mailto'] as const;

const SAFE_SCHEMES = new Set<string>(SAFE_LINK_PROTOCOLS.map((p) => `${p}:`));

/** The same rule as a pattern, for libraries that take one (DOMPurify's ALLOWED_URI_REGEXP). */
export const SAFE_HREF_PATTERN = new RegExp(`^(?:${SAFE_LINK_PROTOCOLS.join('|')}):`, 'i');

/** True for absolute http, https and mailto URLs; everything else (javascript:, data:, relative) is refused. */
export function isSafeHref(href: unknown): href is string {
  if (typeof href !== 'string') return false;
  // Browsers ignore control characters and whitespace inside schemes ("java\tscript:"): so do we, then parse.
  const cleaned = href.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  try {
    return SAFE_SCHEMES.has(new URL(cleaned).protocol);
  } catch {
    return false;
  }
}

/** The link target to emit (trimmed), or null when the rule refuses it. */
export function safeHref(href: unknown): string | null {
  return isSafeHref(href) ? href.trim() : null;
}
