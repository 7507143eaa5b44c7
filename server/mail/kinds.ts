/** The words of each mail the app sends; composeMail turns them into plain text and HTML. */
import type { Mail } from './mailer';
import { composeMail } from './compose';

/** "Reset your password": the single-use link, valid one hour. */
export function resetPasswordMail(to: string, name: string, link: string): Mail {
  return composeMail({
    to,
    subject: 'Reset your Collaboratory password',
    greeting: `Hello ${name},`,
    paragraphs: [
      'Someone (hopefully you) asked to reset the password of your Collaboratory account.',
      'The link below works once, for one hour. Setting a new password logs you out everywhere else.',
    ],
    action: { label: 'Choose a new password', url: link },
    footer: 'If you did not ask for this, ignore this mail: your password stays as it is.',
  });
}
