/**
 * Mail bodies: every mail is the same few parts (a greeting, paragraphs, one button-like link, a footer),
 * written once here as plain text and as HTML, so each kind of mail only supplies its words.
 */
import type { Mail } from './mailer';

export interface MailParts {
  to: string;
  subject: string;
  greeting: string;
  paragraphs: string[];
  /** Items each with its own link (a digest's notifications), after the paragraphs. */
  list?: { text: string; url: string }[];
  action?: { label: string; url: string };
  footer?: string;
  headers?: Record<string, string>;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Escapes text for HTML (names come from users). */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Builds the plain-text and HTML bodies of one mail. */
export function composeMail(p: MailParts): Mail {
  const list = p.list ?? [];
  const text = [p.greeting, '', ...p.paragraphs.flatMap((x) => [x, '']), ...list.flatMap((i) => [`- ${i.text}`, `  ${i.url}`, '']), ...(p.action ? [`${p.action.label}: ${p.action.url}`, ''] : []), ...(p.footer ? ['--', p.footer] : [])]
    .join('\n')
    .trimEnd();
  const para = (x: string) => `<p style="margin:0 0 16px">${escapeHtml(x)}</p>`;
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1f2933;max-width:560px">',
    para(p.greeting),
    ...p.paragraphs.map(para),
    list.length
      ? `<ul style="margin:0 0 16px;padding-left:20px">${list.map((i) => `<li style="margin:0 0 8px"><a href="${escapeHtml(i.url)}">${escapeHtml(i.text)}</a></li>`).join('')}</ul>`
      : '',
    p.action
      ? `<p style="margin:0 0 16px"><a href="${escapeHtml(p.action.url)}" style="background:#1d4ed8;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${escapeHtml(p.action.label)}</a></p>` +
        `<p style="margin:0 0 16px;font-size:13px">Or paste this address into your browser: ${escapeHtml(p.action.url)}</p>`
      : '',
    p.footer ? `<hr><p style="font-size:13px;color:#52606d">${escapeHtml(p.footer)}</p>` : '',
    '</body></html>',
  ].join('');
  return { to: p.to, subject: p.subject, text, html, ...(p.headers ? { headers: p.headers } : {}) };
}
