import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** API tokens look like `hrld_<43 url-safe characters>`; only their sha-256 is stored. */
export const API_TOKEN_PREFIX = 'hrld_';

export interface NewApiToken {
  /** Shown to the user once, never stored. */
  token: string;
  hash: string;
  /** The first characters, stored to tell tokens apart in listings. */
  prefix: string;
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function generateApiToken(): NewApiToken {
  const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashApiToken(token), prefix: token.slice(0, API_TOKEN_PREFIX.length + 6) };
}

/** Constant-time comparison of two hex digests. */
export function isSameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
