/** The words of the mails this feature sends: a notification, the daily digest, and an invitation. */
import type { ChatNotification } from '../../shared/chat';
import { notificationPath } from '../../shared/email';
import type { Role } from '../../shared/types';
import { composeMail } from '../mail/compose';
import type { Mail } from '../mail/mailer';

/** The addresses a notification mail needs: the app, and the person's own unsubscribe link. */
export interface MailLinks {
  publicUrl: string;
  /** The page that asks to confirm (GET never changes anything: mail scanners open links). */
  unsubscribePage: string;
  /** The RFC 8058 one-click address (POST). */
  unsubscribePost: string;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** One sentence saying what happened, e.g. "Ana mentioned you in #general (Grade 7 Math)". */
export function describeNotification(n: ChatNotification): string {
  const who = oneLine(n.actor.name);
  const where = `#${n.channelName} (${oneLine(n.spaceName)})`;
  const doc = `“${oneLine(n.docTitle)}” (${oneLine(n.spaceName)})`;
  switch (n.kind) {
    case 'mention':
      return `${who} mentioned you in ${where}`;
    case 'reply':
      return `${who} replied to your thread in ${where}`;
    case 'joinRequest':
      return `${who} asked to join ${oneLine(n.spaceName)}`;
    case 'comment-mention':
      return `${who} mentioned you in a comment on ${doc}`;
    case 'comment-reply':
      return `${who} replied in a comment thread on ${doc}`;
    case 'comment-thread':
      return `${who} commented on your document ${doc}`;
  }
}

const footer = (l: MailLinks) =>
  `You get these mails because of your choice in Account settings (${l.publicUrl}/account). Stop them with one click: ${l.unsubscribePage}`;
const unsubscribeHeaders = (l: MailLinks) => ({ 'List-Unsubscribe': `<${l.unsubscribePost}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });

/** A notification mailed as it happens. */
export function notificationMail(to: string, name: string, n: ChatNotification, l: MailLinks): Mail {
  const line = describeNotification(n);
  return composeMail({
    to,
    subject: line.length > 150 ? `${line.slice(0, 149)}…` : line,
    greeting: `Hello ${name},`,
    paragraphs: [`${line}:`, ...(n.excerpt ? [`“${n.excerpt}”`] : [])],
    action: { label: 'Open in Collaboratory', url: `${l.publicUrl}${notificationPath(n)}` },
    footer: footer(l),
    headers: unsubscribeHeaders(l),
  });
}

/** Most items listed in one digest; the rest are counted ("and 12 more"). */
export const DIGEST_ITEMS_MAX = 50;

/** The daily digest of what the person has not read. */
export function digestMail(to: string, name: string, items: ChatNotification[], l: MailLinks): Mail {
  const shown = items.slice(0, DIGEST_ITEMS_MAX);
  const more = items.length - shown.length;
  return composeMail({
    to,
    subject: `Collaboratory: ${items.length} unread ${items.length === 1 ? 'notification' : 'notifications'}`,
    greeting: `Hello ${name},`,
    paragraphs: [`Here is what happened since your last digest that you have not read yet:`],
    list: shown.map((n) => ({ text: n.excerpt ? `${describeNotification(n)}: “${n.excerpt}”` : describeNotification(n), url: `${l.publicUrl}${notificationPath(n)}` })),
    ...(more > 0 ? { action: { label: `And ${more} more: open your notifications`, url: l.publicUrl } } : {}),
    footer: footer(l),
    headers: unsubscribeHeaders(l),
  });
}

const ROLE_WORDS: Record<Role, string> = { facilitator: 'a facilitator', member: 'a member', guest: 'a guest' };

/** An invitation to a space, with its invite link. */
export function inviteMail(to: string, o: { spaceName: string; inviter: string; role: Role; link: string; expiresAt: Date }): Mail {
  const space = oneLine(o.spaceName);
  return composeMail({
    to,
    subject: `${oneLine(o.inviter)} invited you to ${space} on Collaboratory`,
    greeting: 'Hello,',
    paragraphs: [
      `${oneLine(o.inviter)} invited you to join “${space}” on Collaboratory as ${ROLE_WORDS[o.role]}.`,
      `Open the link to sign up or log in and join. It works until ${o.expiresAt.toUTCString()}.`,
    ],
    action: { label: `Join ${space}`, url: o.link },
    footer: 'If you did not expect this, ignore this mail: nothing happens unless you open the link.',
  });
}
