import {
  runInTenant,
  type Database,
  type NotificationDelivery,
  type NotificationPreference,
  type Organization,
  type TaskRun,
  type User,
} from '@herald/db';
import type { Logger } from 'pino';
import { checkRecipient } from './delivery-recipient';
import { buildDeliveryVariables } from './delivery-variables';
import { automaticMailHeaders, brandingOf } from './mail-parts';
import { HANDED_OVER_REASON, SMTP_DISABLED_REASON } from './delivery-reasons';
import { HandOver, mayStillBeHandingOver, NOW_UTC } from './hand-over';
import { digestKeyFor, digestWindow } from './digest-sender';
import { describeError, TransientDeliveryError } from './errors';
import { classifySendError } from './send-errors';
import type { RenderedEmail, RenderOptions } from './template-renderer';
import type { TemplateVariables } from './template-variables';
import { sendTraced } from './traced-send';
import type { Transport } from './transport';
import { createUnsubscribeToken, unsubscribeUrl } from './unsubscribe-token';
import { runLinkUrl } from './run-link-token';

/** How long an owner and organization looked up for one mail serve the next ones. */
const OWNER_CACHE_MS = 5_000;
const OWNER_CACHE_SIZE = 10_000;

const DATE_FIELDS = ['createdAt', 'updatedAt', 'startedAt', 'finishedAt', 'sentAt'];

/** A row read with to_jsonb, typed as Prisma would return it: its UTC timestamps made Dates again. */
function withDates<Row>(json: Record<string, unknown> | null | undefined): Row | null {
  if (!json) return null;
  for (const field of DATE_FIELDS) {
    const value = json[field];
    if (typeof value === 'string') json[field] = new Date(`${value}Z`);
  }
  return json as Row;
}

interface DeliveryRows {
  delivery: NotificationDelivery | null;
  run: TaskRun | null;
  preference: NotificationPreference | null;
  /** For a delivery to a named address: the user of the organization it belongs to, if any. */
  addressUser: User | null;
  /** For a delivery to a named address: it is on the organization's suppression list. */
  isSuppressed: boolean;
  /** How long ago the row last changed, by PostgreSQL's clock: for a handed-over row, the age of the mark. */
  ageMs: number;
}

interface OwnerLookup {
  owner: User | null;
  organization: Organization | null;
}

/** Tries to record a sent mail for about two minutes before leaving it to the outbox sweep. */
const RECORD_SENT_ATTEMPTS = 30;

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

export interface DeliverAttempt {
  /** 1-based attempt of the queue job. */
  attempt: number;
  maxAttempts: number;
}

export interface DeliveryOutcome {
  status: 'sent' | 'skipped' | 'failed' | 'already-done' | 'held';
  reason?: string;
  messageId?: string;
  /** For a held delivery: the digest that will carry it, and when that digest is due. */
  digest?: { key: string; sendAt: Date; organizationId: string; userId: string };
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
  private readonly owners = new Map<string, { lookup: Promise<OwnerLookup>; until: number }>();

  constructor(options: EmailServiceOptions) {
    this.db = options.db;
    this.renderer = options.renderer;
    this.transport = options.transport;
    this.config = options.config;
    this.logger = options.logger;
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
    const { delivery, ...found } = await this.findDelivery(deliveryId);
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
      return this.record(delivery, {
        status: 'sent',
        reason: HANDED_OVER_REASON,
        messageId: delivery.messageId,
        sentAt: delivery.updatedAt,
      });
    }
    if (!this.transport) return this.record(delivery, { status: 'skipped', reason: SMTP_DISABLED_REASON });
    const { owner, organization } = await this.findOwner(delivery.organizationId, delivery.userId);
    const recipient = checkRecipient(delivery, { run, owner, preference, addressUser, isSuppressed });
    if (!recipient.ok) {
      const { status, reason, address } = recipient;
      return this.record(delivery, { status, reason, ...(address ? { address } : {}) });
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
      return this.record(delivery, {
        status: 'failed',
        reason: `Template error: ${describeError(error)}`,
        address,
      });
    }

    // Claim this attempt: of two workers holding the same pending row, only one gets to send.
    const claim = await this.db.pool.query({
      name: 'herald_delivery_claim',
      text: `UPDATE "NotificationDelivery" SET attempts = attempts + 1, "updatedAt" = ${NOW_UTC}
       WHERE id = $1 AND "organizationId" = $2 AND status = 'pending' AND attempts = $3 AND "messageId" IS NULL`,
      values: [delivery.id, delivery.organizationId, delivery.attempts],
    });
    if (claim.rowCount === 0)
      return { status: 'already-done', reason: 'Another worker claimed this delivery' };

    let messageId: string;
    // Only the claim made by this attempt (attempts + 1) marks the row.
    const handOver = new HandOver(
      this.db.pool,
      {
        name: 'herald_delivery_hand_over',
        text: `UPDATE "NotificationDelivery" SET "messageId" = $3, "updatedAt" = ${NOW_UTC}
       WHERE id = $1 AND "organizationId" = $2 AND status = 'pending' AND attempts = $4`,
      },
      (handedOver) => [delivery.id, delivery.organizationId, handedOver, delivery.attempts + 1],
    );
    try {
      ({ messageId } = await sendTraced(
        this.transport,
        {
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
          prepareHandOver: (handedOver) => handOver.prepare(handedOver),
        },
        {
          deliveryId: delivery.id,
          runId: delivery.runId,
          template: delivery.template,
          attempt: attempt.attempt,
        },
      ));
    } catch (error) {
      // The server did not take the mail: the hand-over mark, if written, is cleared below.
      await handOver.ended();
      const { kind, reason } = classifySendError(error);
      if (kind === 'permanent') return this.record(delivery, { status: 'failed', reason, address });
      if (attempt.attempt >= attempt.maxAttempts) {
        return this.record(delivery, {
          status: 'failed',
          reason: `Gave up after ${attempt.maxAttempts} attempts: ${reason}`,
          address,
        });
      }
      await this.db.tenant.notificationDelivery.updateMany({
        where: { id: delivery.id, status: 'pending' },
        data: { reason, address, messageId: null },
      });
      throw new TransientDeliveryError(delivery.id, reason, { cause: error });
    }

    // The mail is out: keep trying to record it (PostgreSQL may be down for a while). Throwing
    // would make the queue retry and send it twice. If it still cannot be written, the job ends
    // as `sent` and the outbox sweep records the row from the job's outcome.
    const sentAt = new Date();
    const mark = await handOver.ended();
    if (mark.error)
      log().warn({ err: mark.error, messageId }, 'could not mark the hand-over; recording the mail as sent');
    else if (!mark.rows) log().warn({ messageId }, 'another worker took this delivery during the send');
    for (let attempt = 1; ; attempt++) {
      try {
        await this.record(delivery, { status: 'sent', reason: null, address, messageId, sentAt });
        break;
      } catch (error) {
        if (attempt >= RECORD_SENT_ATTEMPTS) {
          log().error({ err: error, messageId }, 'e-mail sent but recording it failed');
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(500 * attempt, 5_000)));
      }
    }
    return { status: 'sent', messageId };
  }

  /**
   * The owner and their organization (branding), kept OWNER_CACHE_MS: a burst of runs by one
   * owner costs two lookups, not two per mail. Keyed by organization and user, and looked up
   * through the tenant-scoped client, so an entry never crosses organizations.
   */
  private findOwner(organizationId: string, userId: string): Promise<OwnerLookup> {
    const key = `${organizationId}:${userId}`;
    const cached = this.owners.get(key);
    if (cached && cached.until > Date.now()) return cached.lookup;
    const lookup = Promise.all([
      this.db.tenant.user.findUnique({ where: { id: userId } }),
      this.db.prisma.organization.findUnique({ where: { id: organizationId } }),
    ]).then(([owner, organization]) => ({ owner, organization }));
    if (this.owners.size >= OWNER_CACHE_SIZE) this.owners.clear();
    this.owners.set(key, { lookup, until: Date.now() + OWNER_CACHE_MS });
    // A failed lookup is not kept: the next mail asks again.
    lookup.catch(() => this.owners.delete(key));
    return lookup;
  }

  /**
   * The delivery, its run and its recipient's preferences, in one statement (the hot path of every
   * mail: raw SQL, a fraction of the CPU of three Prisma queries). For a named address, also the
   * user it belongs to (whose preferences apply) and whether it is suppressed. Everything is
   * joined within the delivery's organization, as the tenant-scoped client would filter it:
   * a row of another organization is never found. Not cached: an opt-out, a mute or an
   * unsubscribe applies to the very next mail.
   */
  private async findDelivery(id: string): Promise<DeliveryRows> {
    const { rows } = await this.db.pool.query<
      Record<'delivery' | 'run' | 'preference' | 'address_user', Record<string, unknown> | null> & {
        age_ms: number;
        suppressed: boolean;
      }
    >({
      name: 'herald_delivery_find_recipient',
      text: `SELECT to_jsonb(d) AS delivery, to_jsonb(r) AS run, to_jsonb(p) AS preference, to_jsonb(u) AS address_user,
         s.address IS NOT NULL AS suppressed,
         (EXTRACT(EPOCH FROM ${NOW_UTC} - d."updatedAt") * 1000)::float8 AS age_ms
       FROM "NotificationDelivery" d
       LEFT JOIN "TaskRun" r ON r.id = d."runId" AND r."organizationId" = d."organizationId"
       LEFT JOIN LATERAL (
         SELECT * FROM "User" WHERE "organizationId" = d."organizationId" AND lower(email) = d."recipientAddress"
         ORDER BY "createdAt" LIMIT 1
       ) u ON d."recipientAddress" IS NOT NULL
       LEFT JOIN "NotificationPreference" p ON p."userId" = (CASE WHEN d."recipientAddress" IS NULL THEN d."userId" ELSE u.id END)
         AND p."organizationId" = d."organizationId"
       LEFT JOIN "EmailSuppression" s ON s."organizationId" = d."organizationId" AND s.address = d."recipientAddress"
       WHERE d.id = $1`,
      values: [id],
    });
    const row = rows[0];
    return {
      delivery: withDates<NotificationDelivery>(row?.delivery),
      run: withDates<TaskRun>(row?.run),
      preference: withDates<NotificationPreference>(row?.preference),
      addressUser: withDates<User>(row?.address_user),
      isSuppressed: row?.suppressed ?? false,
      ageMs: row?.age_ms ?? 0,
    };
  }

  /** Writes an outcome, only over a row that is still pending. Only a sent row keeps a message id. */
  private async record(
    delivery: NotificationDelivery,
    data: {
      status: 'sent' | 'skipped' | 'failed';
      reason: string | null;
      address?: string;
      messageId?: string;
      sentAt?: Date;
    },
  ): Promise<DeliveryOutcome> {
    const { rowCount } = await this.db.pool.query({
      name: 'herald_delivery_record',
      text: `UPDATE "NotificationDelivery" SET status = $3::"DeliveryStatus", reason = $4, address = COALESCE($5, address),
         "messageId" = CASE WHEN $3::"DeliveryStatus" = 'sent' THEN COALESCE($6, "messageId") END, "sentAt" = COALESCE($7::timestamptz AT TIME ZONE 'UTC', "sentAt"),
         "updatedAt" = ${NOW_UTC}
       WHERE id = $1 AND "organizationId" = $2 AND status = 'pending'`,
      values: [
        delivery.id,
        delivery.organizationId,
        data.status,
        data.reason,
        data.address ?? null,
        data.messageId ?? null,
        data.sentAt ?? null,
      ],
    });
    if (rowCount === 0 && data.status !== 'sent')
      return { status: 'already-done', reason: 'Delivery was completed by another worker' };
    return {
      status: data.status,
      ...(data.reason ? { reason: data.reason } : {}),
      ...(data.messageId ? { messageId: data.messageId } : {}),
    };
  }
}
