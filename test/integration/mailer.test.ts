/** The mailer against a real SMTP server: background sending, retries after a temporary failure, email off. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '../../server/logger';
import { createMailer } from '../../server/mail/mailer';
import { composeMail } from '../../server/mail/compose';

let server: SMTPServer;
let url = '';
let failuresLeft = 0;
const received: string[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, done) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString()));
      stream.on('end', () => {
        if (failuresLeft > 0) {
          failuresLeft--;
          return done(Object.assign(new Error('try again later'), { responseCode: 451 }));
        }
        received.push(raw);
        done();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const mail = (subject: string) => composeMail({ to: 't@school.test', subject, greeting: 'Hello <Ada>,', paragraphs: ['One & two.'], action: { label: 'Open', url: 'https://x.test/a?b=1&c=2' } });

describe('mailer', () => {
  it('send returns at once; the mail arrives in the background with both bodies, HTML escaped', async () => {
    const m = createMailer({ smtpUrl: url, from: 'App <app@school.test>', logger: createLogger('silent') });
    const before = received.length;
    expect(m.send(mail('first'))).toBeUndefined();
    // Nothing went over the wire yet: the caller was not held while the mail was sent.
    expect(received.length).toBe(before);
    await m.idle();
    expect(received.at(-1)).toMatch(/Subject: first/);
    expect(received.at(-1)).toMatch(/Hello &lt;Ada&gt;,/);
    expect(received.at(-1)).toMatch(/Hello <Ada>,/);
    await m.close();
  });

  it('a temporary failure is retried until the mail goes through; past the retries it is given up', async () => {
    const m = createMailer({ smtpUrl: url, from: 'app@school.test', logger: createLogger('silent'), retryDelaysMs: [20, 20] });
    failuresLeft = 2;
    m.send(mail('retried'));
    await m.idle();
    expect(received.filter((r) => /Subject: retried/.test(r))).toHaveLength(1);
    failuresLeft = 3;
    m.send(mail('given up'));
    await m.idle();
    expect(received.some((r) => /Subject: given up/.test(r))).toBe(false);
    failuresLeft = 0;
    await m.close();
  });

  it('without an SMTP URL email is off and send is a no-op', async () => {
    const m = createMailer({ smtpUrl: undefined, from: 'x@y.test', logger: createLogger('silent') });
    expect(m.enabled).toBe(false);
    m.send(mail('nowhere'));
    await m.idle();
    await m.close();
  });
});
