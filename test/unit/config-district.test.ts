/** Config for operating a district: email, OpenID Connect, administrators, audit retention. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config';

const base = { NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40), DATA_DIR: '/tmp/collab-config-district' };
const OIDC = { OIDC_ISSUER: 'https://login.example.org/', OIDC_CLIENT_ID: 'collab', OIDC_CLIENT_SECRET: 'secret' };

function fails(env: Record<string, string>, variable: string) {
  expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
  expect(() => loadConfig({ ...base, ...env })).toThrow(variable);
}

describe('district configuration', () => {
  it('defaults: email off, no provider, no administrators, 400 days of audit', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({ smtpUrl: undefined, oidc: null, adminEmails: [], auditRetentionDays: 400, publicUrl: 'http://localhost:3000', publicUrlSet: false });
  });

  it('reads email, provider, administrators and retention', () => {
    const c = loadConfig({ ...base, ...OIDC, SMTP_URL: 'smtps://u:p@mail.example.org:465', MAIL_FROM: 'Us <a@b.org>', PUBLIC_URL: 'https://collab.example.org/', OIDC_ONLY: 'true', OIDC_NAME: 'Example SSO', ADMIN_EMAILS: ' A@B.org, ,c@d.org ', AUDIT_RETENTION_DAYS: '30' });
    expect(c.smtpUrl).toBe('smtps://u:p@mail.example.org:465');
    expect(c.publicUrl).toBe('https://collab.example.org');
    expect(c.oidc).toEqual({ issuer: 'https://login.example.org', clientId: 'collab', clientSecret: 'secret', name: 'Example SSO', only: true });
    expect(c.adminEmails).toEqual(['a@b.org', 'c@d.org']);
    expect(c.auditRetentionDays).toBe(30);
  });

  it('refuses bad or incomplete values, naming the variable', () => {
    fails({ SMTP_URL: 'http://mail.example.org' }, 'SMTP_URL');
    fails({ PUBLIC_URL: 'collab.example.org' }, 'PUBLIC_URL');
    fails({ OIDC_ISSUER: 'https://login.example.org' }, 'OIDC_CLIENT_ID');
    fails({ OIDC_ONLY: 'true' }, 'OIDC_ONLY');
    fails({ AUDIT_RETENTION_DAYS: '0' }, 'AUDIT_RETENTION_DAYS');
    fails({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example.org' }, 'PUBLIC_URL');
  });
});
