import type { Config } from '@herald/config';
import type { EmailServiceOptions } from './email-service';
import { createSmtpTransport } from './smtp-transport';
import type { Transport } from './transport';

/** The EmailService settings from Herald's configuration. */
export function emailSettingsFromConfig(config: Config): EmailServiceOptions['config'] {
  return {
    from: config.smtp?.from ?? config.SMTP_FROM,
    frontendUrl: config.resultsBaseUrl,
    runLinkDays: config.linksToConsole ? config.CONSOLE_RUN_LINK_DAYS : undefined,
    publicApiUrl: config.PUBLIC_API_URL,
    secret: config.HERALD_SECRET,
  };
}

/** The pooled SMTP transport, or null when SMTP is not configured (config.smtpProblem says why). */
export function createTransportFromConfig(config: Config): Transport | null {
  return config.smtp ? createSmtpTransport(config.smtp) : null;
}
