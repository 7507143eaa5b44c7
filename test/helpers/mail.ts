/**
 * A real SMTP server for tests (the smtp-server package on port 0) that keeps every mail it receives, so a
 * test can read the link a user would click. Bodies are decoded from quoted-printable, which is all
 * nodemailer uses for our ASCII mails.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  to: string[];
  from: string;
  raw: string;
  /** The raw message with quoted-printable soft breaks and escapes undone. */
  decoded: string;
}

export interface TestSmtp {
  url: string;
  mails: CapturedMail[];
  /** Resolves with the first mail to `to` (waiting for it if needed); rejects after `timeoutMs`. */
  waitFor(to: string, timeoutMs?: number): Promise<CapturedMail>;
  close(): Promise<void>;
}

const decodeQp = (s: string) => s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

/** Starts the capturing SMTP server on 127.0.0.1:0 (no TLS, no auth). */
export async function startSmtp(): Promise<TestSmtp> {
  const mails: CapturedMail[] = [];
  let listeners: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (raw += c));
      stream.on('end', () => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          raw,
          decoded: decodeQp(raw),
        });
        for (const l of listeners) l();
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    waitFor(to, timeoutMs = 10_000) {
      const find = () => mails.find((m) => m.to.includes(to.toLowerCase()));
      const found = find();
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no mail to ${to} within ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          const m = find();
          if (!m) return;
          clearTimeout(timer);
          listeners = listeners.filter((l) => l !== check);
          resolve(m);
        };
        listeners.push(check);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The password-reset link in a mail's text. */
export function resetLinkIn(mail: CapturedMail): string {
  const m = mail.decoded.match(/https?:\/\/[^\s"<]+\/reset-password\/[A-Za-z0-9_-]+/);
  if (!m) throw new Error(`no reset link in:\n${mail.decoded}`);
  return m[0];
}
