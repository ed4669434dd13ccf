import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Whom a token silences: a user of the organization (their preferences), or an address a rule
 * or a submission named that is not one of its users (the organization's suppression list).
 */
export type UnsubscribeScope =
  { userId: string; organizationId: string } | { address: string; organizationId: string };

/**
 * Domain separation: the secret may sign other things one day; a signature made for them
 * can never pass as an unsubscribe token.
 */
const PURPOSE = 'herald:unsubscribe:v1';

function sign(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${PURPOSE}.${payload}`).digest();
}

/**
 * `<payload>.<signature>`, both base64url: the payload names the user (or the address) and the
 * organization, the signature is HMAC-SHA256 over it. It does not expire: an unsubscribe link in
 * an old mail must keep working (RFC 8058 one-click), and all it can do is turn that one
 * recipient's mail off.
 */
export function createUnsubscribeToken(scope: UnsubscribeScope, secret: string): string {
  const fields =
    'address' in scope
      ? { a: scope.address.toLowerCase(), o: scope.organizationId }
      : { u: scope.userId, o: scope.organizationId };
  const payload = Buffer.from(JSON.stringify(fields)).toString('base64url');
  return `${payload}.${sign(payload, secret).toString('base64url')}`;
}

/** The scope the token was made for, or null when it is malformed, tampered with or signed with another secret. */
export function verifyUnsubscribeToken(token: string, secret: string): UnsubscribeScope | null {
  const parts = token.split('.');
  if (parts.length !== 2) return null;
  const [payload = '', signature = ''] = parts;
  // The encoded forms are compared, not decoded bytes: Node's base64url decoder ignores stray
  // characters and spare bits, so two different strings can decode to the same signature.
  const expected = Buffer.from(sign(payload, secret).toString('base64url'));
  const given = Buffer.from(signature);
  // Constant time; checking the length first is safe, the length of a SHA-256 MAC is public.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      u?: unknown;
      a?: unknown;
      o?: unknown;
    };
    if (typeof data.o !== 'string' || !data.o) return null;
    if (typeof data.u === 'string' && data.u && data.a === undefined)
      return { userId: data.u, organizationId: data.o };
    if (typeof data.a === 'string' && data.a && data.u === undefined)
      return { address: data.a, organizationId: data.o };
    return null;
  } catch {
    return null;
  }
}

/** The link for the mail footer and the List-Unsubscribe header. */
export function unsubscribeUrl(publicApiUrl: string, token: string): string {
  return `${publicApiUrl.replace(/\/+$/, '')}/unsubscribe/${encodeURIComponent(token)}`;
}
