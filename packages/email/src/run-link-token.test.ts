import { describe, expect, it } from 'vitest';
import { createRunLinkToken, runLinkUrl, verifyRunLinkToken } from './run-link-token';

const SECRET = 'a-test-secret-of-some-length';
const scope = { runId: 'run-1', organizationId: 'org-1' };

describe('run link tokens', () => {
  it('open their run until they expire', () => {
    const now = Date.UTC(2026, 11, 5);
    const token = createRunLinkToken(scope, SECRET, 2, now);
    expect(verifyRunLinkToken(token, SECRET, now + 60_000)).toEqual({ ok: true, scope });
    expect(verifyRunLinkToken(token, SECRET, now + 2 * 86_400_000 + 1_000)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuse another secret, a changed payload and garbage', () => {
    const token = createRunLinkToken(scope, SECRET, 1);
    expect(verifyRunLinkToken(token, 'another-secret-of-some-length')).toEqual({
      ok: false,
      reason: 'invalid',
    });
    const [, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ r: 'run-2', o: 'org-1', e: 4_000_000_000 })).toString(
      'base64url',
    );
    expect(verifyRunLinkToken(`${forged}.${signature}`, SECRET)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyRunLinkToken('nonsense', SECRET)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('builds the console link', () => {
    expect(runLinkUrl('https://herald.test/app/', scope, SECRET, 1)).toMatch(
      /^https:\/\/herald\.test\/app\/runs\/run-1\?token=[\w-]+\.[\w-]+$/,
    );
  });
});
