import { describe, expect, it } from 'vitest';
import { createUnsubscribeToken, unsubscribeUrl, verifyUnsubscribeToken } from './unsubscribe-token';

const SECRET = 'a-test-secret-of-some-length';
const ADA = { userId: 'user-ada', organizationId: 'org-acme' };

describe('unsubscribe tokens', () => {
  it('verify to the user and organization they were made for', () => {
    const token = createUnsubscribeToken(ADA, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyUnsubscribeToken(token, SECRET)).toEqual(ADA);
  });

  it('are scoped: another user or organization gets another token', () => {
    const token = createUnsubscribeToken(ADA, SECRET);
    expect(createUnsubscribeToken({ ...ADA, userId: 'user-eve' }, SECRET)).not.toBe(token);
    expect(createUnsubscribeToken({ ...ADA, organizationId: 'org-other' }, SECRET)).not.toBe(token);
  });

  it('reject a payload swapped for another user, even with a valid signature of another token', () => {
    const ada = createUnsubscribeToken(ADA, SECRET);
    const eve = createUnsubscribeToken({ userId: 'user-eve', organizationId: 'org-acme' }, SECRET);
    const [evePayload] = eve.split('.');
    const [, adaSignature] = ada.split('.');
    expect(verifyUnsubscribeToken(`${evePayload}.${adaSignature}`, SECRET)).toBeNull();
  });

  it('reject every single-character change of the signature', () => {
    const token = createUnsubscribeToken(ADA, SECRET);
    const dot = token.indexOf('.');
    for (let index = dot + 1; index < token.length; index++) {
      const char = token[index] === 'A' ? 'B' : 'A';
      expect(
        verifyUnsubscribeToken(token.slice(0, index) + char + token.slice(index + 1), SECRET),
      ).toBeNull();
    }
  });

  it('reject another secret, garbage and empty input', () => {
    const token = createUnsubscribeToken(ADA, SECRET);
    expect(verifyUnsubscribeToken(token, 'another-secret-entirely')).toBeNull();
    for (const bad of ['', '.', 'abc', 'a.b.c', `${token}.x`])
      expect(verifyUnsubscribeToken(bad, SECRET)).toBeNull();
  });

  it('can name an address instead of a user; each address gets its own token', () => {
    const ann = createUnsubscribeToken({ address: 'Ann@Team.test', organizationId: 'org-acme' }, SECRET);
    const bob = createUnsubscribeToken({ address: 'bob@team.test', organizationId: 'org-acme' }, SECRET);
    expect(verifyUnsubscribeToken(ann, SECRET)).toEqual({
      address: 'ann@team.test',
      organizationId: 'org-acme',
    });
    expect(bob).not.toBe(ann);
    // Ann's signature over Bob's payload is no token.
    expect(verifyUnsubscribeToken(`${bob.split('.')[0]}.${ann.split('.')[1]}`, SECRET)).toBeNull();
    expect(createUnsubscribeToken({ ...ADA }, SECRET)).not.toBe(ann);
  });

  it('builds the link under the public API URL', () => {
    expect(unsubscribeUrl('https://herald.example.com/', 'abc.def')).toBe(
      'https://herald.example.com/unsubscribe/abc.def',
    );
  });
});
