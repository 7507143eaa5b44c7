/**
 * Sign-in with the district's accounts over OpenID Connect (openid-client): the authorization-code flow
 * with PKCE, state and nonce. The pending login (verifier, state, nonce, where to go next) is kept in the
 * store under the SHA-256 of a random id held in a short-lived HttpOnly cookie, so it survives a restart
 * and works across processes. The provider's metadata is fetched on first use (not at boot), so the app
 * starts even when the provider is down.
 */
import { createHash, randomBytes } from 'node:crypto';
import type * as OidcLib from 'openid-client';

/** openid-client is loaded on first use: a server without OIDC_ISSUER does not pay its memory. */
const loadOidc = () => import('openid-client');
import type { Ctx } from '../context';
import { AppError } from '../errors';
import type { IndexSpec } from '../store/port';

export const OIDC_COOKIE = 'collab_oidc';
const PENDING_TTL_MS = 10 * 60 * 1000;

export const OIDC_INDEXES: IndexSpec[] = [
  { collection: 'oidcPending', fields: { expiresAt: 1 }, expireAfterSeconds: 0 },
  { collection: 'identities', fields: { userId: 1 } },
];

interface PendingRecord {
  _id: string;
  verifier: string;
  state: string;
  nonce: string;
  next: string;
  expiresAt: Date;
}

/** What a verified sign-in tells us about the person. */
export interface OidcProfile {
  issuer: string;
  subject: string;
  email: string;
  emailVerified: boolean;
  name: string;
}

/** A refused sign-in; `reason` goes into the log-in page's address (`/login?error=oidc&reason=...`). */
export class OidcError extends AppError {
  constructor(
    readonly reason: 'cancelled' | 'expired' | 'refused' | 'unverified_email' | 'disabled' | 'unavailable',
    message: string,
  ) {
    super('forbidden', message);
  }
}

const digest = (id: string) => createHash('sha256').update(id).digest('base64url');

/** The OpenID Connect client of one app: start a sign-in, finish it. */
export function createOidcClient(ctx: Ctx) {
  const settings = ctx.config.oidc!;
  const pending = ctx.store.collection<PendingRecord>('oidcPending');
  let discovered: Promise<OidcLib.Configuration> | null = null;

  function configuration(): Promise<OidcLib.Configuration> {
    // Plain-http issuers are accepted only in tests (a provider on 127.0.0.1 without TLS).
    const insecure = ctx.config.env === 'test' && settings.issuer.startsWith('http://');
    discovered ??= loadOidc()
      .then((oidc) => oidc.discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, undefined, insecure ? { execute: [oidc.allowInsecureRequests] } : undefined))
      .catch((err) => {
        discovered = null;
        ctx.logger.error({ err, issuer: settings.issuer }, 'OpenID provider discovery failed');
        throw new OidcError('unavailable', 'The sign-in service could not be reached. Please try again in a moment.');
      });
    return discovered;
  }

  return {
    /** Begins a sign-in: returns the provider URL to send the browser to and the cookie value to set. */
    async start(redirectUri: string, next: string): Promise<{ url: string; cookie: string }> {
      const [config, oidc] = await Promise.all([configuration(), loadOidc()]);
      const id = randomBytes(32).toString('base64url');
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      await pending.insertOne({ _id: digest(id), verifier, state, nonce, next, expiresAt: new Date(ctx.now() + PENDING_TTL_MS) });
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url: url.href, cookie: id };
    },

    /**
     * Finishes a sign-in from the provider's redirect: checks state, PKCE and the ID token's nonce and
     * signature, and returns who signed in and where they were going. The pending login is spent either way.
     */
    async finish(cookie: string | undefined, callbackUrl: URL): Promise<{ profile: OidcProfile; next: string }> {
      if (!cookie || cookie.length > 100) throw new OidcError('expired', 'That sign-in took too long or began in another browser. Please try again.');
      const record = await pending.findOne({ _id: digest(cookie) });
      if (record) await pending.deleteOne({ _id: record._id });
      if (!record || record.expiresAt.getTime() <= ctx.now()) throw new OidcError('expired', 'That sign-in took too long or began in another browser. Please try again.');
      if (callbackUrl.searchParams.get('error')) throw new OidcError('cancelled', 'The sign-in was cancelled or refused by your organization.');
      const [config, oidc] = await Promise.all([configuration(), loadOidc()]);
      let tokens;
      try {
        tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: record.verifier,
          expectedState: record.state,
          expectedNonce: record.nonce,
          idTokenExpected: true,
        });
      } catch (err) {
        ctx.logger.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, 'OpenID sign-in refused');
        throw new OidcError('refused', 'The sign-in could not be verified. Please try again.');
      }
      const claims = tokens.claims()!;
      // Some providers put email and name only in the userinfo answer.
      let info: Record<string, unknown> = claims;
      if (typeof claims.email !== 'string') info = { ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)), ...claims };
      const email = typeof info.email === 'string' ? info.email.trim().toLowerCase() : '';
      const name = typeof info.name === 'string' && info.name.trim() ? info.name.trim().slice(0, 80) : email.split('@')[0] ?? 'Teacher';
      return {
        profile: { issuer: claims.iss, subject: claims.sub, email, emailVerified: info.email_verified === true && email.length > 0, name },
        next: record.next,
      };
    },
  };
}

export type OidcClient = ReturnType<typeof createOidcClient>;
