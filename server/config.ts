/**
 * Configuration, parsed once at boot from the environment. A bad value stops the boot with a message
 * naming the variable. In development a missing SESSION_SECRET is generated and kept under DATA_DIR.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const httpUrl = z
  .string()
  .regex(/^https?:\/\/[^\s]+$/, { error: 'must be an http:// or https:// address' })
  .transform((u) => u.replace(/\/+$/, ''));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  // Digits only: Number() would read ' ' as 0 and '1e3' as 1000.
  PORT: z
    .string()
    .regex(/^\d{1,5}$/, { error: 'must be a port number (0-65535)' })
    .transform(Number)
    .pipe(z.number().int().min(0).max(65535))
    .default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, { error: 'must start with mongodb:// or mongodb+srv://' })
    .optional(),
  SESSION_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  ALLOWED_ORIGINS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s || !s.trim()) return [] as string[];
      const list = s.split(',').map((o) => o.trim()).filter(Boolean);
      for (const o of list) {
        try {
          const u = new URL(o);
          if (u.origin !== o.replace(/\/$/, '')) throw new Error('not an origin');
        } catch {
          ctx.addIssue({ code: 'custom', message: `"${o}" is not an origin like https://example.org` });
        }
      }
      return list.map((o) => o.replace(/\/$/, ''));
    }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 365).default(24 * 14),
  TRUST_PROXY: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  YJS_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(2 * 1024 * 1024),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, { error: 'must start with redis:// or rediss://' }).optional(),
  // Operating a district (CONTRACT.md): email, sign-in with the district's accounts, administrators, audit.
  SMTP_URL: z.string().regex(/^smtps?:\/\//, { error: 'must start with smtp:// or smtps://' }).optional(),
  MAIL_FROM: z.string().max(200).default('Collaboratory <no-reply@localhost>'),
  PUBLIC_URL: httpUrl.optional(),
  OIDC_ISSUER: httpUrl.optional(),
  OIDC_CLIENT_ID: z.string().max(500).optional(),
  OIDC_CLIENT_SECRET: z.string().max(2000).optional(),
  OIDC_ONLY: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  OIDC_NAME: z.string().trim().min(1).max(60).optional(),
  ADMIN_EMAILS: z
    .string()
    .optional()
    .transform((s) => (s ?? '').split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36500).default(400),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  dataDir: string;
  mongodbUri: string | undefined;
  sessionSecret: string;
  allowedOrigins: string[];
  logLevel: string;
  sessionTtlMs: number;
  trustProxy: boolean;
  yjsMaxMessageBytes: number;
  redisUrl: string | undefined;
  /** SMTP server for outgoing mail; unset = email is off. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** The address links in mail point to (no trailing slash). */
  publicUrl: string;
  /** True when PUBLIC_URL was set (the OpenID redirect address then uses it instead of the request's host). */
  publicUrlSet: boolean;
  /** OpenID Connect sign-in; null when not configured. */
  oidc: { issuer: string; clientId: string; clientSecret: string; name: string; only: boolean } | null;
  /** Emails (lower case) of the instance administrators. */
  adminEmails: string[];
  auditRetentionDays: number;
}

/** A configuration problem; its message names every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses `env` into a Config or throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset": shells and .env files often leave them behind.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  let secret = e.SESSION_SECRET;
  if (!secret) {
    if (e.NODE_ENV === 'production') throw new ConfigError('Invalid configuration:\n  SESSION_SECRET: required in production (at least 32 characters)');
    secret = devSecret(dataDir);
  }
  const oidcVars = [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_CLIENT_SECRET];
  if (oidcVars.some(Boolean) && !oidcVars.every(Boolean)) {
    throw new ConfigError('Invalid configuration:\n  OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: set all three or none');
  }
  if (e.OIDC_ONLY && !e.OIDC_ISSUER) throw new ConfigError('Invalid configuration:\n  OIDC_ONLY: needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET');
  // Links in mail must not come from a request's Host header (anyone can forge it), so production names it.
  if (e.SMTP_URL && !e.PUBLIC_URL && e.NODE_ENV === 'production') throw new ConfigError('Invalid configuration:\n  PUBLIC_URL: required with SMTP_URL in production');
  return {
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    publicUrlSet: e.PUBLIC_URL !== undefined,
    oidc: e.OIDC_ISSUER
      ? { issuer: e.OIDC_ISSUER, clientId: e.OIDC_CLIENT_ID!, clientSecret: e.OIDC_CLIENT_SECRET!, name: e.OIDC_NAME ?? 'your organization', only: e.OIDC_ONLY }
      : null,
    adminEmails: e.ADMIN_EMAILS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    mongodbUri: e.MONGODB_URI,
    sessionSecret: secret,
    allowedOrigins: e.ALLOWED_ORIGINS,
    logLevel: e.LOG_LEVEL,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3600 * 1000,
    trustProxy: e.TRUST_PROXY,
    yjsMaxMessageBytes: e.YJS_MAX_MESSAGE_BYTES,
    redisUrl: e.REDIS_URL,
  };
}

/** Reads or creates the development session secret kept under DATA_DIR. */
function devSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
    // An empty or truncated file (a crash mid-write) must not become a guessable secret.
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
