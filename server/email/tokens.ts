/**
 * One-click unsubscribe tokens: `<userId>.<HMAC-SHA256(SESSION_SECRET, purpose + userId)>`. Signed, not
 * stored, so a link in a years-old mail still works without a login, and no other account's token can be
 * made up. The purpose string keeps these signatures from ever matching another use of the secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { unsubscribeTokenSchema } from '../../shared/email';

const sign = (secret: string, userId: string) => createHmac('sha256', secret).update(`email-unsubscribe:${userId}`).digest('base64url');

/** The token for `userId`'s unsubscribe links. */
export function unsubscribeToken(secret: string, userId: string): string {
  return `${userId}.${sign(secret, userId)}`;
}

/** The user id a token was made for, or null when it is malformed or its signature does not match. */
export function verifyUnsubscribeToken(secret: string, token: string): string | null {
  if (!unsubscribeTokenSchema.safeParse(token).success) return null;
  const [userId, sig] = token.split('.') as [string, string];
  const expected = Buffer.from(sign(secret, userId));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected) ? userId : null;
}
