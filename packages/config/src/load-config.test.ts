import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index';

describe('loadConfig', () => {
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
    const config = loadConfig({ SMTP_HOST: 'smtp.example.com', SMTP_PORT: '465', SMTP_SECURE: 'true', SMTP_USER: 'u', SMTP_PASSWORD: 'p' });
    expect(config.smtp).toMatchObject({ host: 'smtp.example.com', port: 465, secure: true, user: 'u', password: 'p' });
  });

  it('treats half-configured SMTP auth as incomplete', () => {
    const config = loadConfig({ SMTP_HOST: 'smtp.example.com', SMTP_USER: 'u' });
    expect(config.smtp).toBeNull();
    expect(config.smtpProblem).toMatch(/SMTP_PASSWORD/);
  });

  it('requires HERALD_SECRET in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/HERALD_SECRET/);
  });
});
