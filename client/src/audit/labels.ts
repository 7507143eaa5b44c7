/** Words for the audit trail's actions, shared by the space's panel and the Administration page. */
export const ACTION_LABELS: Record<string, string> = {
  'account.created': 'Account created',
  'account.renamed': 'Name changed',
  'account.password_changed': 'Password changed',
  'account.password_reset': 'Password reset',
  'account.deleted': 'Account deleted',
  'auth.login': 'Logged in',
  'auth.login_failed': 'Failed log-in',
  'auth.logout': 'Logged out',
  'member.role_changed': 'Role changed',
  'member.removed': 'Member removed',
  'member.left': 'Member left',
  'invite.created': 'Invite link created',
  'invite.used': 'Invite link used',
  'invite.emailed': 'Invite link mailed',
  'invite.revoked': 'Invite link revoked',
  'join_request.decided': 'Join request decided',
  'space.exported': 'Space exported',
  'space.deleted': 'Space deleted',
  'space.restored': 'Space restored',
  'space.erased': 'Space erased',
  'doc.exported': 'Document exported',
  'doc.archived': 'Document archived',
  'doc.restored': 'Document restored',
  'message.moderated': 'Message removed by a facilitator',
  'comment.moderated': 'Comment removed by a facilitator',
  'admin.account_disabled': 'Account disabled',
  'admin.account_enabled': 'Account enabled',
  'admin.reset_link': 'Reset link issued',
};

/** The label of an action, or the action itself for one this client does not know yet. */
export const actionLabel = (a: string) => ACTION_LABELS[a] ?? a;
