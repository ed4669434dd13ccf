import type { SmtpConfig } from '@herald/config';

/** Plain SMTP to a dev inbox on this machine, as the bench sends it. */
export function devInboxSmtp(port: number, from: string, poolSize: number): SmtpConfig {
  return {
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: false,
    user: undefined,
    password: undefined,
    from,
    poolSize,
  };
}
