import type { Logger } from 'pino';
import type { Config } from '@herald/config';
import type { Database } from '@herald/db';
import type { DeliverFn, SendDigestFn } from '@herald/core';
import {
  createSmtpTransport,
  DigestSender,
  EmailService,
  TemplateRenderer,
  type EmailServiceOptions,
} from '@herald/email';
import type { WorkerMetrics } from './worker-metrics';

/**
 * The e-mail channel of the notification worker. Templates are compiled here, at start, so a
 * broken template stops the worker now instead of failing mail later.
 */
export async function createEmailDelivery({
  config,
  db,
  logger,
  metrics,
}: {
  config: Config;
  db: Database;
  logger: Logger;
  metrics?: WorkerMetrics;
}) {
  const renderer = new TemplateRenderer();
  await renderer.compileAll();
  const smtp = config.smtp ? createSmtpTransport(config.smtp) : null;
  const transport = smtp && metrics ? metrics.timeTransport(smtp) : smtp;
  const options: EmailServiceOptions = {
    db,
    renderer,
    transport,
    logger,
    smtpProblem: config.smtpProblem,
    config: {
      from: config.SMTP_FROM,
      frontendUrl: config.resultsBaseUrl,
      publicApiUrl: config.PUBLIC_API_URL,
      secret: config.HERALD_SECRET,
      runLinkDays: config.linksToConsole ? config.CONSOLE_RUN_LINK_DAYS : undefined,
    },
  };
  const service = new EmailService(options);
  const digests = new DigestSender(options);
  const deliver: DeliverFn = (deliveryId, attempt) => service.deliver(deliveryId, attempt);
  const sendDigest: SendDigestFn = (digest, attempt) =>
    digests.send(
      { digestKey: digest.key, organizationId: digest.organizationId, userId: digest.userId },
      attempt,
    );
  return {
    deliver,
    sendDigest,
    async close() {
      await transport?.close();
    },
  };
}
