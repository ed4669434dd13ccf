import { createHmac, timingSafeEqual } from 'node:crypto';

export interface RunLinkScope {
  runId: string;
  organizationId: string;
}

/** Domain separation: no other signature made with HERALD_SECRET can pass as a run link. */
const PURPOSE = 'herald:run-link:v1';

const DAY_MS = 24 * 60 * 60 * 1000;

function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(`${PURPOSE}.${payload}`).digest('base64url');
}

/**
 * `<payload>.<signature>`: the payload names one run, its organization and when the link stops
 * working; the signature is HMAC-SHA256 over it. It opens that run's console page read-only.
 */
export function createRunLinkToken(
  scope: RunLinkScope,
  secret: string,
  days: number,
  now = Date.now(),
): string {
  const expires = Math.floor((now + days * DAY_MS) / 1000);
  const payload = Buffer.from(
    JSON.stringify({ r: scope.runId, o: scope.organizationId, e: expires }),
  ).toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

export type RunLinkCheck = { ok: true; scope: RunLinkScope } | { ok: false; reason: 'invalid' | 'expired' };

/** The run the token opens, or why it opens nothing (tampered, another secret, expired). */
export function verifyRunLinkToken(token: string, secret: string, now = Date.now()): RunLinkCheck {
  const [payload = '', signature = '', ...rest] = token.split('.');
  if (rest.length > 0) return { ok: false, reason: 'invalid' };
  // Encoded forms are compared (see unsubscribe-token.ts): decoders ignore stray characters.
  const expected = Buffer.from(sign(payload, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'invalid' };
  try {
    const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      r?: unknown;
      o?: unknown;
      e?: unknown;
    };
    if (typeof data.r !== 'string' || typeof data.o !== 'string' || typeof data.e !== 'number')
      return { ok: false, reason: 'invalid' };
    if (data.e * 1000 <= now) return { ok: false, reason: 'expired' };
    return { ok: true, scope: { runId: data.r, organizationId: data.o } };
  } catch {
    return { ok: false, reason: 'invalid' };
  }
}

/** `<resultsBaseUrl>/runs/:id?token=...`: the console's page of the run, openable without signing in. */
export function runLinkUrl(
  resultsBaseUrl: string,
  scope: RunLinkScope,
  secret: string,
  days: number,
): string {
  const token = createRunLinkToken(scope, secret, days);
  return `${resultsBaseUrl.replace(/\/+$/, '')}/runs/${encodeURIComponent(scope.runId)}?token=${encodeURIComponent(token)}`;
}
