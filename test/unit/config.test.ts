/** Config is parsed once at boot: a bad value stops the boot naming the variable. */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config';
import { tempDir } from '../helpers/server';

const dirs: string[] = [];
const dir = () => {
  const d = tempDir('collab-config-');
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SECRET = 'x'.repeat(40);

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('accepts a good environment and applies defaults', () => {
    const c = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: SECRET, PORT: '8080', DATA_DIR: dir(), ALLOWED_ORIGINS: 'https://a.example, https://b.example/' });
    expect(c.port).toBe(8080);
    expect(c.env).toBe('production');
    expect(c.sessionSecret).toBe(SECRET);
    expect(c.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.mongodbUri).toBeUndefined();
    expect(loadConfig({ SESSION_SECRET: SECRET, DATA_DIR: dir() }).port).toBe(3000);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['PORT', ' '],
    ['PORT', '1e3'],
    ['PORT', '0x50'],
    ['MONGODB_URI', 'http://localhost:27017'],
    ['MONGODB_URI', 'localhost:27017'],
    ['SESSION_SECRET', 'short'],
    ['ALLOWED_ORIGINS', 'not a url'],
    ['ALLOWED_ORIGINS', 'https://ok.example/with/path'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
  ])('%s=%s stops the boot naming the variable', (name, value) => {
    const err = configError({ SESSION_SECRET: SECRET, DATA_DIR: dir(), [name]: value });
    expect(err.message).toContain(name);
    expect(err.name).toBe('ConfigError');
  });

  it('names every bad variable at once', () => {
    const err = configError({ SESSION_SECRET: 'short', PORT: 'nope', DATA_DIR: dir() });
    expect(err.message).toContain('PORT');
    expect(err.message).toContain('SESSION_SECRET');
  });

  it('production without SESSION_SECRET refuses to boot and writes no secret file', () => {
    const d = dir();
    const err = configError({ NODE_ENV: 'production', DATA_DIR: d });
    expect(err.message).toContain('SESSION_SECRET');
    expect(existsSync(path.join(d, 'session-secret'))).toBe(false);
  });

  it('development generates a secret, keeps it under DATA_DIR, and reuses it on the next boot', () => {
    const d = dir();
    const first = loadConfig({ NODE_ENV: 'development', DATA_DIR: d });
    expect(first.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(path.join(d, 'session-secret'), 'utf8').trim()).toBe(first.sessionSecret);
    const second = loadConfig({ NODE_ENV: 'development', DATA_DIR: d });
    expect(second.sessionSecret).toBe(first.sessionSecret);
    // A different data dir gets its own secret.
    expect(loadConfig({ NODE_ENV: 'development', DATA_DIR: dir() }).sessionSecret).not.toBe(first.sessionSecret);
  });

  it('a truncated kept secret is replaced rather than used', () => {
    const d = dir();
    writeFileSync(path.join(d, 'session-secret'), 'abc');
    const c = loadConfig({ NODE_ENV: 'development', DATA_DIR: d });
    expect(c.sessionSecret).not.toBe('abc');
    expect(c.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ NODE_ENV: 'development', DATA_DIR: d }).sessionSecret).toBe(c.sessionSecret);
  });

  it('empty strings count as unset', () => {
    const c = loadConfig({ NODE_ENV: 'test', PORT: '', MONGODB_URI: '', SESSION_SECRET: SECRET, DATA_DIR: dir() });
    expect(c.port).toBe(3000);
    expect(c.mongodbUri).toBeUndefined();
  });
});
