/** Zod schemas for password reset, sign-in options and account deletion, shared by server and client forms. */
import { z } from 'zod';
import { emailSchema, newPassword } from './schemas';

/** POST /api/auth/password-reset */
export const passwordResetRequestBody = z.strictObject({ email: emailSchema });

/** POST /api/auth/password-reset/:token */
export const passwordResetBody = z.strictObject({ password: newPassword() });

/** A reset token as it appears in the link: 43 base64url characters (32 random bytes). */
export const resetTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{32,64}$/);

/** GET /api/auth/options: what the log-in page offers on this server. */
export interface AuthOptions {
  /** False when SMTP_URL is unset: no mail is sent, so password reset goes through a facilitator. */
  email: boolean;
  /** "Sign in with <name>" when OpenID Connect is configured. */
  oidc: { name: string } | null;
  /** False with OIDC_ONLY=true. */
  passwordSignup: boolean;
}
