/**
 * Message text -> HTML with marked, before sanitising (see render.ts). Raw HTML in a message is shown as
 * text, images become plain links, and links the safe-link rule (shared/links.ts) refuses lose their
 * link. This stage runs anywhere (Node tests too); the DOMPurify stage in render.ts needs a browser.
 */
import { Marked, type Tokens } from 'marked';
import { escapeHtml } from '../../../shared/html';
import { isSafeHref } from '../../../shared/links';

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(text);
    },
    image({ href, text }: Tokens.Image) {
      return isSafeHref(href) ? `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>` : escapeHtml(text);
    },
    link(this: { parser: { parseInline(t: Tokens.Link['tokens']): string } }, { href, tokens }: Tokens.Link) {
      const inner = this.parser.parseInline(tokens);
      return isSafeHref(href) ? `<a href="${escapeHtml(href)}">${inner}</a>` : inner;
    },
    heading(this: { parser: { parseInline(t: Tokens.Heading['tokens']): string } }, { tokens }: Tokens.Heading) {
      // Chat has no headings: a "# " line stays a strong paragraph so it cannot shout over the page outline.
      return `<p><strong>${this.parser.parseInline(tokens)}</strong></p>`;
    },
  },
});

/** Markdown -> unsanitised HTML (always pass the result through `sanitize` before it reaches the DOM). */
export function markdownToHtml(text: string): string {
  return marked.parse(text) as string;
}
