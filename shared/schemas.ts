/**
 * Zod schemas for every payload that crosses the network, shared by server (validation) and client
 * (form hints). Objects are strict: unknown fields, including `__proto__`, are rejected.
 */
import { z } from 'zod';
import { BUDGET_CURRENCIES } from './budget';
import { ROLES, SPACE_KINDS, VISIBILITIES } from './types';

export const LIMITS = {
  nameMax: 80,
  emailMax: 254,
  passwordMin: 8,
  passwordMax: 256,
  spaceNameMax: 100,
  descriptionMax: 2000,
  joinMessageMax: 500,
  searchMax: 100,
  inviteMaxUses: 1000,
  inviteMaxHours: 24 * 90,
  inviteDefaultHours: 24 * 7,
  /** Addresses one invite link may be mailed to at once. */
  inviteEmailsMax: 20,
} as const;

// Control characters other than tab and line breaks: invisible, and a way to spoof names in lists.
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** A trimmed, non-empty string of at most `max` characters with no control characters. */
export const text = (max: number, label = 'This field') =>
  z
    .string({ error: `${label} must be text` })
    .trim()
    .min(1, { error: `${label} is required` })
    .max(max, { error: `${label} must be at most ${max} characters` })
    .refine((s) => !CONTROL_CHARS.test(s), { error: `${label} contains control characters` });

/** Optional longer text that may be empty (line breaks allowed, other control characters not). */
export const optionalText = (max: number, label = 'This field') =>
  z
    .string({ error: `${label} must be text` })
    .trim()
    .max(max, { error: `${label} must be at most ${max} characters` })
    .refine((s) => !CONTROL_CHARS.test(s), { error: `${label} contains control characters` });

export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'Invalid id' });

export const emailSchema = z
  .string({ error: 'Email must be text' })
  .trim()
  .max(LIMITS.emailMax, { error: 'Email is too long' })
  .pipe(z.email({ error: 'Enter a valid email address' }));

/** A password a user chooses (signup, password change): 8 to 256 characters. */
export const newPassword = (label = 'Password') =>
  z
    .string({ error: `${label} must be text` })
    .min(LIMITS.passwordMin, { error: `${label} must be at least ${LIMITS.passwordMin} characters` })
    .max(LIMITS.passwordMax, { error: `${label} must be at most ${LIMITS.passwordMax} characters` });

export const passwordSchema = newPassword();

export const signupBody = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  name: text(LIMITS.nameMax, 'Name'),
});

export const loginBody = z.strictObject({
  email: emailSchema,
  password: z.string({ error: 'Password must be text' }).min(1, { error: 'Password is required' }).max(LIMITS.passwordMax),
});

/** PATCH /api/me: the signed-in user's own details (the name follows signup's rules). */
export const updateMeBody = z.strictObject({
  name: text(LIMITS.nameMax, 'Name'),
});

/** POST /api/me/password: the current password proves it is the owner, not just someone at their screen. */
export const changePasswordBody = z.strictObject({
  currentPassword: z
    .string({ error: 'Current password must be text' })
    .min(1, { error: 'Current password is required' })
    .max(LIMITS.passwordMax, { error: `Current password must be at most ${LIMITS.passwordMax} characters` }),
  newPassword: newPassword('New password'),
});

export const roleSchema = z.enum(ROLES, { error: `Role must be one of ${ROLES.join(', ')}` });

export const guestRightsSchema = z.strictObject(
  {
    chat: z.boolean({ error: 'guestRights.chat must be true or false' }).optional(),
    sessions: z.boolean({ error: 'guestRights.sessions must be true or false' }).optional(),
    comments: z.boolean({ error: 'guestRights.comments must be true or false' }).optional(),
  },
  { error: 'guestRights must be an object like { "chat": true, "sessions": false }' },
);

export const currencySchema = z.enum(BUDGET_CURRENCIES, { error: `currency must be one of ${BUDGET_CURRENCIES.join(', ')}` });

export const createSpaceBody = z.strictObject({
  name: text(LIMITS.spaceNameMax, 'Name'),
  kind: z.enum(SPACE_KINDS, { error: `Kind must be one of ${SPACE_KINDS.join(', ')}` }),
  description: optionalText(LIMITS.descriptionMax, 'Description').optional(),
  visibility: z.enum(VISIBILITIES, { error: 'Visibility must be private or listed' }).optional(),
  guestRights: guestRightsSchema.optional(),
  currency: currencySchema.optional(),
});

export const updateSpaceBody = z
  .strictObject({
    name: text(LIMITS.spaceNameMax, 'Name').optional(),
    description: optionalText(LIMITS.descriptionMax, 'Description').optional(),
    visibility: z.enum(VISIBILITIES, { error: 'Visibility must be private or listed' }).optional(),
    guestRights: guestRightsSchema.optional(),
    currency: currencySchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'Nothing to change' });

export const createInviteBody = z.strictObject({
  role: roleSchema,
  maxUses: z.int({ error: 'maxUses must be a whole number' }).min(1).max(LIMITS.inviteMaxUses).nullable().optional(),
  expiresInHours: z.number({ error: 'expiresInHours must be a number' }).positive().max(LIMITS.inviteMaxHours).optional(),
  /** Addresses to mail the new link to (distinct, lower-cased); needs email on the server. */
  emails: z
    .array(emailSchema, { error: 'emails must be a list of addresses' })
    .max(LIMITS.inviteEmailsMax, { error: `At most ${LIMITS.inviteEmailsMax} addresses at once` })
    .transform((list) => [...new Set(list.map((e) => e.toLowerCase()))])
    .optional(),
});

export const changeRoleBody = z.strictObject({ role: roleSchema });

export const joinRequestBody = z.strictObject({
  message: optionalText(LIMITS.joinMessageMax, 'Message').optional(),
});

export const directoryQuery = z.strictObject({
  q: optionalText(LIMITS.searchMax, 'Search').optional(),
  kind: z.enum(SPACE_KINDS).optional(),
});

export const emptyBody = z.strictObject({});

export const inviteCodeSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, { error: 'Invalid invite code' });

export type SignupBody = z.infer<typeof signupBody>;
export type LoginBody = z.infer<typeof loginBody>;
export type UpdateMeBody = z.infer<typeof updateMeBody>;
export type ChangePasswordBody = z.infer<typeof changePasswordBody>;
export type CreateSpaceBody = z.infer<typeof createSpaceBody>;
export type CreateInviteBody = z.infer<typeof createInviteBody>;
export type UpdateSpaceBody = z.infer<typeof updateSpaceBody>;
