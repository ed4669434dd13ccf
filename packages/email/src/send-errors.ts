export type SendErrorKind = 'transient' | 'permanent';

export interface SendErrorClassification {
  kind: SendErrorKind;
  /** One line for the delivery's `reason` and the logs, e.g. "SMTP 451: mailbox busy". */
  reason: string;
}

/** Network and server states that usually pass: retry later. */
const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ETLS',
  'EPROTOCOL',
]);

/** Problems with the mail or the address itself: sending it again cannot succeed. */
const PERMANENT_CODES = new Set(['EENVELOPE', 'EADDRESS', 'EMESSAGE', 'EAUTH', 'EINVALIDADDRESS']);

const MAX_REASON_LENGTH = 500;

function field(error: unknown, key: string): unknown {
  return error && typeof error === 'object' ? (error as Record<string, unknown>)[key] : undefined;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH - 1)}…` : line;
}

/**
 * Decides whether a failed send is worth retrying. The SMTP reply code decides when there is
 * one (4xx: try later, 5xx: never, RFC 5321 §4.2.1); otherwise nodemailer's error code does.
 * Unknown errors count as transient: a bounded number of retries costs less than a lost mail.
 */
export function classifySendError(error: unknown): SendErrorClassification {
  const responseCode = field(error, 'responseCode');
  const code = field(error, 'code');
  const response = field(error, 'response');
  const message = error instanceof Error ? error.message : String(error);

  if (typeof responseCode === 'number' && responseCode >= 400 && responseCode < 600) {
    const text = typeof response === 'string' && response ? response : message;
    const reason = oneLine(`SMTP ${responseCode}: ${text.replace(new RegExp(`^${responseCode}[ -]`), '')}`);
    return { kind: responseCode < 500 ? 'transient' : 'permanent', reason };
  }
  const label = typeof code === 'string' ? code : undefined;
  const reason = oneLine(label ? `${label}: ${message}` : message);
  if (label && PERMANENT_CODES.has(label)) return { kind: 'permanent', reason };
  if (label && TRANSIENT_CODES.has(label)) return { kind: 'transient', reason };
  return { kind: 'transient', reason };
}
