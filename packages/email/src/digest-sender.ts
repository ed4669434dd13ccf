import type { Logger } from 'pino';
import { runInTenant, type Database, type NotificationPreference, type Tenant } from '@herald/db';
import { errorMessageOf } from './delivery-variables';
import { TransientDeliveryError, describeError } from './errors';
import { HANDED_OVER_REASON, SMTP_DISABLED_REASON } from './delivery-reasons';
import { HandOver, mayStillBeHandingOver, NOW_UTC } from './hand-over';
import type { EmailRenderer, DeliverAttempt, DeliveryOutcome, EmailServiceOptions } from './email-service';
import { automaticMailHeaders, brandingOf } from './mail-parts';
import { formatWindow } from './format';
import { classifySendError } from './send-errors';
import type { Transport } from './transport';
import { runLinkUrl } from './run-link-token';
import { createUnsubscribeToken, unsubscribeUrl } from './unsubscribe-token';

const PLACEHOLDER_ADDRESS = /@placeholder\./i;

/** What a digest row reads of a run's result. */
const DIGEST_RESULT_KEYS = ['total_tests', 'tests_passed', 'tests_failed', 'test_run_id'] as const;

function pickResult(result: unknown, keys: readonly string[]): Record<string, unknown> {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return {};
  const record = result as Record<string, unknown>;
  return Object.fromEntries(keys.filter((key) => key in record).map((key) => [key, record[key]]));
}

/** Where a delivery waits when its owner reads mail as a digest: one key per user and window. */
export function digestWindow(
  preference: Pick<NotificationPreference, 'digestWindowMinutes'>,
  createdAt: Date,
) {
  const windowMs = Math.max(preference.digestWindowMinutes, 1) * 60_000;
  const sendAt = new Date(Math.floor(createdAt.getTime() / windowMs) * windowMs + windowMs);
  return { sendAt, windowMs };
}

export const digestKeyFor = (userId: string, sendAt: Date) => `${userId}:${sendAt.getTime()}`;

export interface DigestJob extends Tenant {
  digestKey: string;
}

/**
 * Sends a digest: every delivery held under one key (a user's window) becomes one mail that
 * lists their runs. Each held delivery is then recorded as sent with that mail's message id.
 */
export class DigestSender {
  private readonly db: Database;
  private readonly renderer: EmailRenderer;
  private readonly transport: Transport | null;
  private readonly config: EmailServiceOptions['config'];
  private readonly logger: Logger;

  constructor(options: EmailServiceOptions) {
    this.db = options.db;
    this.renderer = options.renderer;
    this.transport = options.transport;
    this.config = options.config;
    this.logger = options.logger;
  }

  send(job: DigestJob, attempt: DeliverAttempt): Promise<DeliveryOutcome> {
    return runInTenant({ organizationId: job.organizationId, userId: job.userId }, () =>
      this.sendHeld(job, attempt),
    );
  }

  private async sendHeld(job: DigestJob, attempt: DeliverAttempt): Promise<DeliveryOutcome> {
    const held = await this.db.tenant.notificationDelivery.findMany({
      where: { digestKey: job.digestKey, status: 'pending', userId: job.userId },
      include: { run: true },
      orderBy: { createdAt: 'asc' },
    });
    if (!held.length) return { status: 'already-done', reason: 'Nothing is held for this digest' };
    const ids = held.map((delivery) => delivery.id);
    const finish = async (
      status: 'sent' | 'skipped' | 'failed',
      reason: string | null,
      extra: object = {},
    ) => {
      await this.db.tenant.notificationDelivery.updateMany({
        where: { id: { in: ids }, status: 'pending' },
        data: { status, reason, ...extra },
      });
      return { status, ...(reason ? { reason } : {}) } as DeliveryOutcome;
    };
    const handedOver = held.find((delivery) => delivery.messageId)?.messageId;
    if (handedOver) {
      // Marked moments ago: the worker that marked it may still be waiting for the server's answer.
      if (attempt.attempt < attempt.maxAttempts && mayStillBeHandingOver(await this.markAgeMs(ids), attempt))
        throw new TransientDeliveryError(
          job.digestKey,
          'Another worker may still be handing this digest over',
        );
      // A worker handed this digest to the SMTP server and stopped before it heard back: never send it twice.
      return finish('sent', HANDED_OVER_REASON, { messageId: handedOver });
    }
    const [owner, organization, preference] = await Promise.all([
      this.db.tenant.user.findUnique({ where: { id: job.userId } }),
      this.db.prisma.organization.findUnique({ where: { id: job.organizationId } }),
      this.db.tenant.notificationPreference.findUnique({ where: { userId: job.userId } }),
    ]);
    const address = owner?.email?.trim();
    if (!this.transport) return finish('skipped', SMTP_DISABLED_REASON);
    if (!owner || owner.isSystem || !address || PLACEHOLDER_ADDRESS.test(address))
      return finish('skipped', 'Owner cannot receive e-mail');
    if (preference && !preference.emailEnabled)
      return finish('skipped', 'Owner opted out of e-mail notifications');

    const unsubscribe = unsubscribeUrl(
      this.config.publicApiUrl,
      createUnsubscribeToken(job, this.config.secret),
    );
    const mail = this.renderer.render(
      'digest',
      {
        recipient_name: owner.name ?? undefined,
        frontend_url: this.config.frontendUrl,
        period: preference ? `in the last ${formatWindow(preference.digestWindowMinutes)}` : undefined,
        runs: held.map(({ run, phase }) => ({
          // A test run's totals and id: its row shows the counts and links to its test-run page.
          ...pickResult(run.result, DIGEST_RESULT_KEYS),
          run_title: run.title ?? undefined,
          task_name: run.task,
          task_id: run.id,
          url: this.config.runLinkDays
            ? runLinkUrl(
                this.config.frontendUrl,
                { runId: run.id, organizationId: run.organizationId },
                this.config.secret,
                this.config.runLinkDays,
              )
            : undefined,
          status: phase,
          execution_time:
            run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : undefined,
          completed_at: run.finishedAt ?? undefined,
          error_message: errorMessageOf(run.error),
        })),
      },
      {
        branding: brandingOf(organization),
        unsubscribeUrl: unsubscribe,
      },
    );
    // Claim every row this read found: of two workers holding the same digest job (one redelivered
    // while the first still runs), only the one whose read is still current sends.
    const claim = await this.db.pool.query(
      `UPDATE "NotificationDelivery" n SET attempts = n.attempts + 1, "updatedAt" = ${NOW_UTC}
       FROM unnest($1::text[], $2::int[]) AS c(id, attempts)
       WHERE n.id = c.id AND n."organizationId" = $3 AND n.status = 'pending' AND n.attempts = c.attempts
         AND n."messageId" IS NULL`,
      [ids, held.map((delivery) => delivery.attempts), job.organizationId],
    );
    if (claim.rowCount === 0) return { status: 'already-done', reason: 'Another worker claimed this digest' };
    // Some rows were taken meanwhile: read the digest again on a retry rather than send a part of it.
    if (claim.rowCount !== ids.length)
      throw new TransientDeliveryError(job.digestKey, 'Another worker claimed part of this digest');
    const handOver = new HandOver(
      this.db.pool,
      {
        name: 'herald_digest_hand_over',
        text: `UPDATE "NotificationDelivery" SET "messageId" = $3, "updatedAt" = ${NOW_UTC}
       WHERE id = ANY($1::text[]) AND "organizationId" = $2 AND status = 'pending'`,
      },
      (messageId) => [ids, job.organizationId, messageId],
    );
    try {
      const { messageId } = await this.transport.send({
        from: this.config.from,
        to: { address, name: owner.name },
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        headers: automaticMailHeaders({ unsubscribeUrl: unsubscribe, organization, from: this.config.from }),
        prepareHandOver: (messageId) => handOver.prepare(messageId),
      });
      await handOver.ended();
      this.logger.info({ digestKey: job.digestKey, runs: held.length, messageId }, 'digest sent');
      return finish('sent', null, { messageId, address, sentAt: new Date(), attempts: attempt.attempt });
    } catch (error) {
      await handOver.ended();
      const { kind, reason } = classifySendError(error);
      if (kind === 'permanent' || attempt.attempt >= attempt.maxAttempts)
        return finish('failed', reason, { messageId: null });
      await this.db.tenant.notificationDelivery.updateMany({
        where: { id: { in: ids }, status: 'pending' },
        data: { messageId: null },
      });
      throw new TransientDeliveryError(job.digestKey, `${reason} (${describeError(error)})`, {
        cause: error,
      });
    }
  }

  /** How long ago the newest of these rows changed, by PostgreSQL's clock: the age of their mark. */
  private async markAgeMs(ids: string[]): Promise<number> {
    const { rows } = await this.db.pool.query<{ age_ms: number | null }>(
      `SELECT (EXTRACT(EPOCH FROM ${NOW_UTC} - max("updatedAt")) * 1000)::float8 AS age_ms
       FROM "NotificationDelivery" WHERE id = ANY($1::text[])`,
      [ids],
    );
    return rows[0]?.age_ms ?? 0;
  }
}
