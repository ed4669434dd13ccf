import type { Logger } from 'pino';
import type { Config } from '@herald/config';
import type { Database } from '@herald/db';
import type { DeliverFn } from '@herald/core';
import { createSmtpTransport, EmailService, TemplateRenderer } from '@herald/email';

/**
 * The e-mail channel of the notification worker. Templates are compiled here, at start, so a
 * broken template stops the worker now instead of failing mail later.
 */
export async function createEmailDelivery({ config, db, logger }: { config: Config; db: Database; logger: Logger }) {
  const renderer = new TemplateRenderer();
  await renderer.compileAll();
  const transport = config.smtp ? createSmtpTransport(config.smtp) : null;
  const service = new EmailService({
    db,
    renderer,
    transport,
    logger,
    smtpProblem: config.smtpProblem,
    config: {
      from: config.SMTP_FROM,
      frontendUrl: config.FRONTEND_URL,
      publicApiUrl: config.PUBLIC_API_URL,
      secret: config.HERALD_SECRET,
    },
  });
  const deliver: DeliverFn = (deliveryId, attempt) => service.deliver(deliveryId, attempt);
  return {
    deliver,
    async close() {
      await transport?.close();
    },
  };
}
