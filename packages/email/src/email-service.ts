import { runInTenant, type Database, type NotificationDelivery, type TaskRun } from '@herald/db';
import type { Logger } from 'pino';
import { checkRecipient } from './delivery-recipient';
import type { DeliverAttempt, DeliveryOutcome } from './delivery-outcome';
import { findDeliveryRows, type DeliveryRows } from './delivery-rows';
import { buildDeliveryVariables } from './delivery-variables';
import { recordDelivery } from './delivery-writes';
import { automaticMailHeaders, brandingOf } from './mail-parts';
import { HANDED_OVER_REASON, SMTP_DISABLED_REASON } from './delivery-reasons';
import { mayStillBeHandingOver } from './hand-over';
import { digestKeyFor, digestWindow } from './digest-sender';
import { describeError, TransientDeliveryError } from './errors';
import { OwnerCache } from './owner-cache';
import { sendWithHandOver } from './send-with-hand-over';
import type { RenderedEmail, RenderOptions } from './template-renderer';
import type { TemplateVariables } from './template-variables';
import type { Transport } from './transport';
import { createUnsubscribeToken, unsubscribeUrl } from './unsubscribe-token';
import { runLinkUrl } from './run-link-token';

export type { DeliverAttempt, DeliveryOutcome } from './delivery-outcome';

export interface EmailRenderer {
  render(template: string, variables: TemplateVariables, options?: RenderOptions): RenderedEmail;
}

export interface EmailServiceOptions {
  db: Database;
  renderer: EmailRenderer;
  /** null when SMTP is not configured: deliveries are then recorded as skipped. */
  transport: Transport | null;
  config: {
    from: string;
    /** Base of run links: `<frontendUrl>/runs/:id`. */
    frontendUrl: string;
    publicApiUrl: string;
    secret: string;
    /** Set when run links go to the console: each carries a token that opens its run for this many days. */
    runLinkDays?: number;
  };
  logger: Logger;
  /** Why SMTP is unusable (Config.smtpProblem), logged with the warning. */
  smtpProblem?: string | null;
}

/**
 * Sends the e-mail of one NotificationDelivery row (the outbox, SPEC §6) and records what happened.
 * The row is the guard against a second mail: only a `pending` row is sent, a send is claimed first,
 * and every outcome is written with `where status = pending`.
 */
export class EmailService {
  private readonly db: Database;
  private readonly renderer: EmailRenderer;
  private readonly transport: Transport | null;
  private readonly config: EmailServiceOptions['config'];
  private readonly logger: Logger;
  private readonly owners: OwnerCache;

  constructor(options: EmailServiceOptions) {
    this.db = options.db;
    this.renderer = options.renderer;
    this.transport = options.transport;
    this.config = options.config;
    this.logger = options.logger;
    this.owners = new OwnerCache(options.db);
    if (!this.transport)
      this.logger.warn({ problem: options.smtpProblem ?? undefined }, SMTP_DISABLED_REASON);
  }

  /** The console link of a run, signed so its recipient can open it; undefined with a team's own app. */
  private runLink(run: Pick<TaskRun, 'id' | 'organizationId'>): string | undefined {
    const days = this.config.runLinkDays;
    if (days === undefined) return undefined;
    return runLinkUrl(
      this.config.frontendUrl,
      { runId: run.id, organizationId: run.organizationId },
      this.config.secret,
      days,
    );
  }

  async deliver(deliveryId: string, attempt: DeliverAttempt): Promise<DeliveryOutcome> {
    // Looked up by id alone: the job names only the delivery, whose row names its tenant.
    const { delivery, ...found } = await findDeliveryRows(this.db.pool, deliveryId);
    if (!delivery) return { status: 'skipped', reason: `Delivery ${deliveryId} does not exist` };
    if (delivery.status !== 'pending')
      return { status: 'already-done', reason: `Delivery is already ${delivery.status}` };
    // Built only when something is logged: at the usual warn level a sent mail logs nothing,
    // and a pino child serialises its bindings when it is made.
    let child: Logger | undefined;
    const log = () =>
      (child ??= this.logger.child({
        deliveryId,
        runId: delivery.runId,
        organizationId: delivery.organizationId,
        template: delivery.template,
        attempt: `${attempt.attempt} of ${attempt.maxAttempts}`,
      }));
    const tenant = { organizationId: delivery.organizationId, userId: delivery.userId };
    const outcome = await runInTenant(tenant, () => this.deliverPending(delivery, found, attempt, log)).catch(
      (error: unknown) => {
        if (error instanceof TransientDeliveryError)
          log().warn({ reason: error.reason }, 'e-mail delivery will be retried');
        throw error;
      },
    );
    const level = outcome.status === 'failed' ? 'warn' : 'info';
    if (this.logger.isLevelEnabled(level))
      log()[level](
        { status: outcome.status, reason: outcome.reason, messageId: outcome.messageId },
        `e-mail delivery ${outcome.status}`,
      );
    return outcome;
  }

  private async deliverPending(
    delivery: NotificationDelivery,
    { run, preference, addressUser, isSuppressed, ageMs }: Omit<DeliveryRows, 'delivery'>,
    attempt: DeliverAttempt,
    log: () => Logger,
  ): Promise<DeliveryOutcome> {
    if (delivery.messageId) {
      // Marked moments ago: the worker that marked it may still be waiting for the server's answer.
      if (mayStillBeHandingOver(ageMs, attempt))
        throw new TransientDeliveryError(delivery.id, 'Another worker may still be handing this mail over');
      // A worker handed this mail to the SMTP server and stopped before it heard back: the server
      // may have it. Sending again could mail the owner twice; record what was handed over.
      return recordDelivery(this.db.pool, delivery, {
        status: 'sent',
        reason: HANDED_OVER_REASON,
        messageId: delivery.messageId,
        sentAt: delivery.updatedAt,
      });
    }
    if (!this.transport)
      return recordDelivery(this.db.pool, delivery, { status: 'skipped', reason: SMTP_DISABLED_REASON });
    const { owner, organization } = await this.owners.find(delivery.organizationId, delivery.userId);
    const recipient = checkRecipient(delivery, { run, owner, preference, addressUser, isSuppressed });
    if (!recipient.ok) {
      const { status, reason, address } = recipient;
      return recordDelivery(this.db.pool, delivery, { status, reason, ...(address ? { address } : {}) });
    }
    const { address } = recipient;
    // Digests are the owner's: a named recipient gets each mail as it comes.
    if (preference?.delivery === 'digest' && delivery.template !== 'digest' && !delivery.recipientAddress) {
      // The window comes from when the delivery was written, so a repeated attempt finds the same digest.
      const { sendAt } = digestWindow(preference, delivery.createdAt);
      const key = digestKeyFor(delivery.userId, sendAt);
      await this.db.tenant.notificationDelivery.updateMany({
        where: { id: delivery.id, status: 'pending' },
        data: { digestKey: key, address, reason: 'Held for the digest' },
      });
      return {
        status: 'held',
        reason: `Held for the digest due at ${sendAt.toISOString()}`,
        digest: { key, sendAt, organizationId: delivery.organizationId, userId: delivery.userId },
      };
    }

    const unsubscribe = unsubscribeUrl(
      this.config.publicApiUrl,
      // Each recipient's link silences that recipient alone: their user, or their address.
      createUnsubscribeToken(
        recipient.user
          ? { userId: recipient.user.id, organizationId: delivery.organizationId }
          : { address: recipient.address, organizationId: delivery.organizationId },
        this.config.secret,
      ),
    );
    let mail: RenderedEmail;
    try {
      mail = this.renderer.render(
        delivery.template,
        buildDeliveryVariables({
          run: recipient.run,
          owner: { name: recipient.name },
          phase: delivery.phase,
          frontendUrl: this.config.frontendUrl,
          resultsUrl: this.runLink(recipient.run),
          context: delivery.context,
        }),
        {
          subjectTemplate: delivery.subject,
          branding: brandingOf(organization),
          unsubscribeUrl: unsubscribe,
        },
      );
    } catch (error) {
      // A template that cannot render will not render on a retry either.
      return recordDelivery(this.db.pool, delivery, {
        status: 'failed',
        reason: `Template error: ${describeError(error)}`,
        address,
      });
    }

    return sendWithHandOver({
      db: this.db,
      transport: this.transport,
      delivery,
      mail: {
        from: this.config.from,
        to: { address, name: recipient.name },
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        headers: automaticMailHeaders({
          unsubscribeUrl: unsubscribe,
          organization,
          from: this.config.from,
        }),
      },
      attempt,
      log,
    });
  }
}
