/**
 * Outgoing mail through any SMTP server (nodemailer). `send` only queues: a request never waits for the
 * mail server. The queue is worked in the background, one mail at a time, and a failed send is retried
 * with growing delays before it is given up (and logged). Without SMTP_URL email is off and `send` drops
 * the mail (logged at debug), so the app works as before.
 */
import type { Transporter } from 'nodemailer';
import type { Logger } from '../logger';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra headers, e.g. List-Unsubscribe for notification mail. */
  headers?: Record<string, string>;
}

export interface Mailer {
  /** True when SMTP_URL is set. */
  readonly enabled: boolean;
  /** Queues a mail; never throws and never waits for the network. */
  send(mail: Mail): void;
  /** Resolves once nothing is queued, being sent or waiting for a retry (tests, shutdown). */
  idle(): Promise<void>;
  /** Stops retrying and closes the SMTP connection; mail still queued is dropped (logged). */
  close(): Promise<void>;
}

export interface MailerOptions {
  smtpUrl: string | undefined;
  from: string;
  logger: Logger;
  /** Delay before each retry; its length is the number of retries (default 4: 2 s, 10 s, 1 min, 5 min). */
  retryDelaysMs?: number[];
  /** Most mails waiting at once; beyond it new mail is dropped and logged (a mail server down for hours). */
  maxQueued?: number;
}

interface Job {
  mail: Mail;
  attempt: number;
}

/** Builds the mailer; with no SMTP URL it is a no-op that says email is off. */
export function createMailer(opts: MailerOptions): Mailer {
  const log = opts.logger.child({ cat: 'mail' });
  const delays = opts.retryDelaysMs ?? [2_000, 10_000, 60_000, 300_000];
  const maxQueued = opts.maxQueued ?? 5_000;
  // nodemailer is loaded only when email is on: a server without SMTP_URL does not pay its memory.
  const smtpUrl = opts.smtpUrl;
  const transport: Promise<Transporter> | null = smtpUrl ? import('nodemailer').then((m) => m.default.createTransport(smtpUrl)) : null;
  const queue: Job[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let working = false;
  let closed = false;
  let waiters: (() => void)[] = [];

  const busy = () => working || queue.length > 0 || timers.size > 0;
  const settle = () => {
    if (busy()) return;
    for (const w of waiters.splice(0)) w();
  };

  async function work() {
    if (working || !transport) return;
    working = true;
    try {
      const t = await transport;
      for (let job = queue.shift(); job && !closed; job = queue.shift()) await attempt(t, job);
    } finally {
      working = false;
      settle();
    }
  }

  async function attempt(t: Transporter, job: Job) {
    const { mail } = job;
    try {
      await t.sendMail({ from: opts.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, headers: mail.headers });
      log.info({ subject: mail.subject }, 'mail sent');
    } catch (err) {
      const delay = delays[job.attempt];
      if (delay === undefined || closed) {
        log.error({ err, subject: mail.subject, attempts: job.attempt + 1 }, 'mail given up');
        return;
      }
      log.warn({ err, subject: mail.subject, attempt: job.attempt + 1, retryInMs: delay }, 'mail failed; will retry');
      const timer = setTimeout(() => {
        timers.delete(timer);
        queue.push({ mail, attempt: job.attempt + 1 });
        void work();
      }, delay);
      timer.unref();
      timers.add(timer);
    }
  }

  return {
    enabled: transport !== null,
    send(mail) {
      if (!transport || closed) {
        log.debug({ subject: mail.subject }, 'email is off; mail not sent');
        return;
      }
      if (queue.length >= maxQueued) {
        log.error({ subject: mail.subject }, 'mail queue full; mail dropped');
        return;
      }
      queue.push({ mail, attempt: 0 });
      void work();
    },
    idle() {
      if (!busy()) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      if (queue.length) log.warn({ dropped: queue.length }, 'mail still queued at shutdown');
      queue.length = 0;
      void transport?.then((t) => t.close());
      settle();
      waiters = [];
    },
  };
}
