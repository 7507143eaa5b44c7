/**
 * Invite by email: a facilitator creating an invite link may give addresses, and each gets a mail with
 * the link, the space's name and who invited them. Checked before the invite is stored (email must be on;
 * at most 100 addresses an hour per person, so the app cannot be used to spam), and each address mailed
 * is recorded in the space's audit trail.
 */
import type { Request } from 'express';
import { audit } from '../audit/audit';
import type { Ctx } from '../context';
import { conflict } from '../errors';
import type { Limiter } from '../limits';
import type { InviteRecord } from '../repos';
import { inviteMail } from './mails';

const limiters = new WeakMap<Ctx, Limiter>();
const addressesPerHour = (ctx: Ctx) => {
  let l = limiters.get(ctx);
  if (!l) limiters.set(ctx, (l = ctx.limiter({ name: 'invite-emails', points: 100, duration: 3600, message: 'Too many invitations mailed in the last hour' })));
  return l;
};

/** Refuses a mailing before anything is stored: 409 when email is off, 429 past the hourly allowance. */
export async function checkInviteMailing(ctx: Ctx, userId: string, emails: string[]): Promise<void> {
  if (emails.length === 0) return;
  if (!ctx.mailer.enabled) throw conflict('Email is off on this server: copy the link and send it yourself.', { reason: 'email_off' });
  await addressesPerHour(ctx).enforce(userId, emails.length);
}

/** Mails the invite link to each address (queued, never awaited) and audits each one. */
export async function mailInvite(ctx: Ctx, req: Request, invite: InviteRecord, emails: string[]): Promise<void> {
  if (emails.length === 0) return;
  const space = await ctx.repos.spaces.byId(invite.spaceId);
  const inviter = req.login?.user.name ?? 'A facilitator';
  const link = `${ctx.config.publicUrl}/invite/${invite._id}`;
  for (const to of emails) {
    ctx.mailer.send(inviteMail(to, { spaceName: space?.name ?? 'a space', inviter, role: invite.role, link, expiresAt: invite.expiresAt }));
    await audit(ctx, { req, action: 'invite.emailed', spaceId: invite.spaceId, target: { type: 'email', id: to }, details: { invite: invite._id, role: invite.role } });
  }
}
