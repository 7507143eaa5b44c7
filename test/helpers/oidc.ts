/**
 * A real OpenID provider for tests (the oidc-provider package) on 127.0.0.1:0. Its login and consent steps
 * need no forms: whoever `signInAs` names last is signed in and consents at once, so a browser or a plain
 * HTTP client following redirects completes the flow. The provider starts listening before the client is
 * registered, because the app's redirect address is known only once the app listens.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface OidcPerson {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Registers the app's redirect address (call once, after the app listens). */
  register(redirectUri: string): void;
  /** The person the next sign-in will be. */
  signInAs(person: OidcPerson): void;
  close(): Promise<void>;
}

/** Starts the provider's HTTP server; `register` finishes the setup. */
export async function startProvider(): Promise<TestProvider> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.statusCode = 503;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const people = new Map<string, OidcPerson>();
  let current: OidcPerson | null = null;
  const clientId = 'collaboratory-test';
  const clientSecret = 'a-test-client-secret-that-is-long-enough';

  return {
    issuer,
    clientId,
    clientSecret,
    register(redirectUri) {
      const provider = new Provider(issuer, {
        clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
        features: { devInteractions: { enabled: false } },
        cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
        interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
        findAccount: (_ctx, id) => {
          const p = people.get(id);
          return p ? { accountId: id, claims: () => ({ ...p }) } : undefined;
        },
      });
      const callback = provider.callback();
      handler = (req, res) => {
        if (!req.url?.startsWith('/interaction/')) return void callback(req, res);
        void (async () => {
          const details = await provider.interactionDetails(req, res);
          if (details.prompt.name === 'login') {
            if (!current) throw new Error('signInAs was not called');
            people.set(current.sub, current);
            await provider.interactionFinished(req, res, { login: { accountId: current.sub } }, { mergeWithLastSubmission: false });
            return;
          }
          const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
          grant.addOIDCScope(String(details.params.scope));
          await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
        })().catch((err) => {
          res.statusCode = 500;
          res.end(String(err));
        });
      };
    },
    signInAs(person) {
      current = person;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
