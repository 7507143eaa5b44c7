/** Structured logging (pino) with a category per subsystem: `logger.child({ cat: 'http' })`. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the root logger; tests pass 'silent'. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: { paths: ['req.headers.cookie', 'password', '*.password'], censor: '[redacted]' },
  });
}
