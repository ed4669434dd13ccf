import pino, { type Logger } from 'pino';

/** Paths that may carry secrets; pino replaces their values before anything is written. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'SMTP_PASSWORD',
  '*.SMTP_PASSWORD',
  'token',
  '*.token',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'auth.pass',
  '*.auth.pass',
];

export function createLogger(options: { level: string; name: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  });
}
