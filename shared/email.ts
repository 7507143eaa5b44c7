/** Email preferences, unsubscribe tokens and invite-by-email: schemas and shapes shared by server and client. */
import { z } from 'zod';
import type { ChatNotification } from './chat';

/** How notifications (mentions, replies, comments, join requests) reach a person by email. */
export const NOTIFICATION_EMAIL = ['immediately', 'daily', 'never'] as const;
export type NotificationEmail = (typeof NOTIFICATION_EMAIL)[number];
/** The default for someone who never chose: one mail a day at most, so nobody is flooded. */
export const DEFAULT_NOTIFICATION_EMAIL: NotificationEmail = 'daily';

/** PUT /api/me/email-preferences */
export const emailPreferencesBody = z.strictObject({ notifications: z.enum(NOTIFICATION_EMAIL) });

/** GET/PUT /api/me/email-preferences answer. */
export interface EmailPreferences {
  notifications: NotificationEmail;
  /** False when the server has no SMTP_URL: nothing is mailed whatever is chosen. */
  email: boolean;
}

/** An unsubscribe token as it appears in a mailed link: `<userId>.<signature>`. */
export const unsubscribeTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{43}$/);

/** Splits what a person typed (commas, semicolons, spaces or line breaks between addresses) into addresses. */
export const splitAddresses = (typed: string): string[] => typed.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);

/** Where a notification leads in the app (the bell and mailed links use the same paths). */
export function notificationPath(n: Pick<ChatNotification, 'docId' | 'kind' | 'spaceId' | 'channelId' | 'parentId'>): string {
  if (n.docId) return `/docs/${encodeURIComponent(n.docId)}`;
  if (n.kind === 'joinRequest') return `/spaces/${encodeURIComponent(n.spaceId)}`;
  return `/spaces/${encodeURIComponent(n.spaceId)}/chat/${encodeURIComponent(n.channelId ?? '')}${n.parentId ? `?thread=${encodeURIComponent(n.parentId)}` : ''}`;
}
