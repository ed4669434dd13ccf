import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index';

const pemOf = (bits: number) =>
  generateKeyPairSync('rsa', { modulusLength: bits })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
const KEY = pemOf(2048);

/** What production needs besides DKIM: a secret, a real sender domain and https links. */
const PRODUCTION = {
  NODE_ENV: 'production',
  HERALD_SECRET: 'a-production-secret-of-length',
  SMTP_HOST: 'smtp.acme.com',
  SMTP_FROM: 'Herald <no-reply@acme.com>',
  PUBLIC_API_URL: 'https://herald.acme.com',
  FRONTEND_URL: 'https://app.acme.com',
};
const DKIM = { DKIM_DOMAIN: 'acme.com', DKIM_SELECTOR: 'herald', DKIM_PRIVATE_KEY: KEY };

/** The one line loadConfigOrExit would print. */
function messageOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to refuse');
}

describe('loadConfig', () => {
  it("links runs to the console unless FRONTEND_URL names a team's own app", () => {
    const local = loadConfig({ PORT: '3100' });
    expect(local).toMatchObject({
      CONSOLE_URL: 'http://localhost:3100',
      resultsBaseUrl: 'http://localhost:3100/app',
      linksToConsole: true,
    });
    expect(loadConfig({ PUBLIC_API_URL: 'https://herald.acme.com/' }).resultsBaseUrl).toBe(
      'https://herald.acme.com/app',
    );
    expect(loadConfig({ CONSOLE_URL: 'https://console.acme.com' }).resultsBaseUrl).toBe(
      'https://console.acme.com/app',
    );
    const own = loadConfig({ FRONTEND_URL: 'https://app.acme.com/' });
    expect(own).toMatchObject({ resultsBaseUrl: 'https://app.acme.com', linksToConsole: false });
  });

  it('works with nothing set, for local use', () => {
    const config = loadConfig({});
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.DATABASE_URL).toMatch(/^postgresql:\/\//);
    expect(config.PORT).toBe(3000);
    expect(config.WORKER_CONCURRENCY).toBe(10);
    expect(config.smtp).toBeNull();
    expect(config.smtpProblem).toBe('SMTP_HOST is not set');
  });

  it.each([
    ['SMTP_PORT', 'abc', /SMTP_PORT: expected a port number/],
    ['REDIS_URL', 'nonsense', /REDIS_URL: expected a redis: or rediss:\/\/ URL/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL: expected a postgres: or postgresql:\/\/ URL/],
    ['WORKER_CONCURRENCY', 'many', /WORKER_CONCURRENCY: expected a number/],
    ['SMTP_SECURE', 'perhaps', /SMTP_SECURE/],
    ['FRONTEND_URL', 'app.example.com', /FRONTEND_URL: expected a http: or https:\/\/ URL/],
  ])('names %s when it is %s', (variable, value, message) => {
    const attempt = () => loadConfig({ [variable]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(`got "${value}"`);
  });

  it('builds the SMTP settings when they are complete', () => {
    const config = loadConfig({
      SMTP_HOST: 'smtp.example.com',
      SMTP_PORT: '465',
      SMTP_SECURE: 'true',
      SMTP_USER: 'u',
      SMTP_PASSWORD: 'p',
    });
    expect(config.smtp).toMatchObject({
      host: 'smtp.example.com',
      port: 465,
      secure: true,
      user: 'u',
      password: 'p',
    });
  });

  it('treats half-configured SMTP auth as incomplete', () => {
    const config = loadConfig({ SMTP_HOST: 'smtp.example.com', SMTP_USER: 'u' });
    expect(config.smtp).toBeNull();
    expect(config.smtpProblem).toMatch(/SMTP_PASSWORD/);
  });

  it('requires HERALD_SECRET in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/HERALD_SECRET/);
  });

  describe('in production', () => {
    it('starts with a real sender, https links and a DKIM key, and signs with it', () => {
      const config = loadConfig({ ...PRODUCTION, ...DKIM });
      expect(config.smtp?.dkim).toEqual({ domainName: 'acme.com', keySelector: 'herald', privateKey: KEY });
      expect(config.warnings).toEqual([]);
    });

    it.each([
      ['no-reply@herald.local', 'Herald <no-reply@herald.local>'],
      ['localhost', 'Herald <herald@localhost>'],
      ['example.com', 'no-reply@example.com'],
      ['a subdomain of example.org', 'Herald <x@mail.example.org>'],
    ])('refuses a sender on %s, naming SMTP_FROM', (_what, from) => {
      const message = messageOf({ ...PRODUCTION, SMTP_FROM: from });
      expect(message).toMatch(
        /^Invalid configuration: SMTP_FROM: expected a sender on a real domain in production/,
      );
      expect(message).not.toContain('\n');
    });

    it('refuses http links and a missing PUBLIC_API_URL, naming each variable', () => {
      expect(messageOf({ ...PRODUCTION, PUBLIC_API_URL: 'http://localhost:3000' })).toMatch(
        /PUBLIC_API_URL: expected an https:\/\/ URL in production \(got "http:\/\/localhost:3000"\)/,
      );
      expect(messageOf({ ...PRODUCTION, FRONTEND_URL: 'http://localhost:3000' })).toMatch(
        /FRONTEND_URL: expected an https/,
      );
      expect(messageOf({ ...PRODUCTION, CONSOLE_URL: 'http://herald.acme.com' })).toMatch(
        /CONSOLE_URL: expected an https/,
      );
      const { PUBLIC_API_URL: _unset, ...withoutApiUrl } = PRODUCTION;
      expect(messageOf(withoutApiUrl)).toMatch(/PUBLIC_API_URL: required in production/);
    });

    it('warns once when no DKIM key is set', () => {
      expect(loadConfig(PRODUCTION).warnings).toEqual([
        expect.stringMatching(/^DKIM_PRIVATE_KEY is not set: mail goes out unsigned/),
      ]);
      expect(loadConfig({}).warnings).toEqual([]);
    });
  });

  describe('DKIM', () => {
    it('reads the key from a mounted file, and a PEM whose line breaks were written as \\n', () => {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'herald-dkim-')), 'private.pem');
      writeFileSync(file, KEY);
      const { DKIM_PRIVATE_KEY: _key, ...rest } = DKIM;
      expect(loadConfig({ ...rest, DKIM_PRIVATE_KEY_FILE: file }).smtp).toBeNull();
      expect(
        loadConfig({ ...rest, SMTP_HOST: 'smtp.acme.com', DKIM_PRIVATE_KEY_FILE: file }).smtp?.dkim
          ?.privateKey,
      ).toBe(KEY);
      const escaped = loadConfig({ ...DKIM, SMTP_HOST: 'h', DKIM_PRIVATE_KEY: KEY.replaceAll('\n', '\\n') });
      expect(escaped.smtp?.dkim?.privateKey).toBe(KEY);
    });

    it.each([
      [
        'a key that is not PEM',
        { DKIM_PRIVATE_KEY: 'not a key' },
        /^Invalid configuration: DKIM_PRIVATE_KEY: expected an RSA private key in PEM \(it cannot be read\)$/,
      ],
      [
        'an EC key',
        {
          DKIM_PRIVATE_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
            .privateKey.export({ type: 'pkcs8', format: 'pem' })
            .toString(),
        },
        /DKIM_PRIVATE_KEY: expected an RSA private key in PEM \(got an ec key\)/,
      ],
      ['a short key', { DKIM_PRIVATE_KEY: pemOf(512) }, /DKIM_PRIVATE_KEY: the RSA key has 512 bits/],
      [
        'a key file that is missing',
        { DKIM_PRIVATE_KEY: '', DKIM_PRIVATE_KEY_FILE: '/nonexistent/dkim.pem' },
        /DKIM_PRIVATE_KEY_FILE: cannot read the key file \(ENOENT\)/,
      ],
      ['no selector', { DKIM_SELECTOR: '' }, /DKIM_SELECTOR: required with a DKIM key/],
      ['no key', { DKIM_PRIVATE_KEY: '' }, /DKIM_PRIVATE_KEY: required with DKIM_DOMAIN and DKIM_SELECTOR/],
      ['a domain that is not one', { DKIM_DOMAIN: 'acme' }, /DKIM_DOMAIN: expected a domain name/],
    ])(
      'stops at start on %s, in one line naming the variable, never showing the key',
      (_what, change, message) => {
        const text = messageOf({ ...DKIM, ...change });
        expect(text).toMatch(message);
        expect(text).not.toContain('PRIVATE KEY-----');
        expect(text).not.toContain('\n');
      },
    );

    it('warns when the DKIM domain does not align with the sender domain', () => {
      const config = loadConfig({ ...PRODUCTION, ...DKIM, DKIM_DOMAIN: 'other.com' });
      expect(config.warnings).toEqual([
        expect.stringMatching(/DKIM_DOMAIN other\.com does not align with the SMTP_FROM domain acme\.com/),
      ]);
      expect(loadConfig({ ...PRODUCTION, ...DKIM, SMTP_FROM: 'no-reply@mail.acme.com' }).warnings).toEqual(
        [],
      );
    });
  });
});

describe('REDIS_CLUSTER_NODES', () => {
  it('reads every seed node', () => {
    const config = loadConfig({
      REDIS_CLUSTER: 'true',
      REDIS_CLUSTER_NODES: 'redis-0.redis:6379, 10.0.0.2:7001,[::1]:7002',
    });
    expect(config.REDIS_CLUSTER_NODES).toEqual([
      { host: 'redis-0.redis', port: 6379 },
      { host: '10.0.0.2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
  });

  it('is absent when empty', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '' }).REDIS_CLUSTER_NODES).toBeUndefined();
  });

  it.each(['redis-0', 'redis-0:', 'redis-0:99999', 'redis-0:6379,:7000'])(
    'names the entry at fault in %s',
    (value) => {
      const attempt = () => loadConfig({ REDIS_CLUSTER_NODES: value });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/REDIS_CLUSTER_NODES: .* is not host:port/);
    },
  );
});
