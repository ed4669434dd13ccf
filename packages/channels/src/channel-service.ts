import type { Logger } from 'pino';
import { runInTenant, type Database, type NotificationDelivery } from '@herald/db';
import { channelConfigSchemas, isChannelKind } from './channel-config';
import { ChannelHttp, isRefusedAddress, PRIVATE_URL_REASON } from './channel-url';
import { pagerDutyEvent, slackMessage, type MessageContext } from './messages';

export interface ChannelAttempt {
  attempt: number;
  maxAttempts: number;
}

export interface ChannelOutcome {
  status: 'sent' | 'skipped' | 'failed' | 'already-done';
  reason?: string;
}

/** The receiver may accept it later (network error, 429, 5xx): the queue retries it. */
export class TransientChannelError extends Error {
  override name = 'TransientChannelError';
  readonly retryable = true;
}

/**
 * Slack and PagerDuty deliveries, through the same ledger, retries and idempotency as e-mail:
 * a delivery that is no longer pending is never sent again.
 */
export class ChannelService {
  private readonly http: ChannelHttp;

  constructor(
    private readonly db: Database,
    private readonly options: { frontendUrl: string; logger: Logger; allowPrivateUrls?: boolean },
  ) {
    this.http = new ChannelHttp({ allowPrivateUrls: options.allowPrivateUrls ?? false });
  }

  /** Closes the kept-alive connections to the receivers. */
  close(): void {
    this.http.close();
  }

  async deliver(deliveryId: string, attempt: ChannelAttempt): Promise<ChannelOutcome> {
    const delivery = await this.db.prisma.notificationDelivery.findUnique({ where: { id: deliveryId } });
    if (!delivery || delivery.status !== 'pending') return { status: 'already-done' };
    const tenant = { organizationId: delivery.organizationId, userId: delivery.userId };
    const [run, channel] = await runInTenant(tenant, () =>
      Promise.all([
        this.db.tenant.taskRun.findUnique({ where: { id: delivery.runId } }),
        this.db.tenant.notificationChannel.findFirst({ where: { kind: delivery.channel } }),
      ]),
    );
    if (!run) return this.finish(delivery, 'skipped', 'the run no longer exists', attempt);
    if (!channel || !isChannelKind(delivery.channel)) {
      return this.finish(
        delivery,
        'skipped',
        `no ${delivery.channel} channel is configured for the organization`,
        attempt,
      );
    }
    const ctx: MessageContext = { delivery, run, frontendUrl: this.options.frontendUrl };
    let request: { url: string; body: unknown };
    if (delivery.channel === 'slack') {
      const config = channelConfigSchemas.slack.parse(channel.config);
      request = { url: config.webhookUrl, body: slackMessage(ctx) };
    } else {
      const { url, event } = pagerDutyEvent(ctx, channelConfigSchemas.pagerduty.parse(channel.config));
      request = { url, body: event };
    }

    let status: number;
    try {
      status = await this.http.postJson(request.url, request.body);
    } catch (error) {
      // Refused before any connection: the reason says no more, so it tells the tenant nothing of the network.
      if (isRefusedAddress(error)) return this.finish(delivery, 'failed', PRIVATE_URL_REASON, attempt);
      return this.retryOrFail(
        delivery,
        `could not reach the ${delivery.channel} endpoint: ${(error as Error).message}`,
        attempt,
      );
    }
    if (status >= 200 && status < 300) return this.finish(delivery, 'sent', null, attempt);
    const detail = `${delivery.channel} answered ${status}`;
    if (status === 429 || status >= 500) return this.retryOrFail(delivery, detail, attempt);
    return this.finish(delivery, 'failed', detail, attempt);
  }

  private async retryOrFail(
    delivery: NotificationDelivery,
    reason: string,
    attempt: ChannelAttempt,
  ): Promise<ChannelOutcome> {
    if (attempt.attempt >= attempt.maxAttempts) return this.finish(delivery, 'failed', reason, attempt);
    await this.db.prisma.notificationDelivery.updateMany({
      where: { id: delivery.id, status: 'pending' },
      data: { attempts: attempt.attempt, reason },
    });
    throw new TransientChannelError(reason);
  }

  private async finish(
    delivery: NotificationDelivery,
    status: 'sent' | 'skipped' | 'failed',
    reason: string | null,
    attempt: ChannelAttempt,
  ): Promise<ChannelOutcome> {
    await this.db.prisma.notificationDelivery.updateMany({
      where: { id: delivery.id, status: 'pending' },
      data: {
        status,
        reason,
        attempts: attempt.attempt,
        address: delivery.channel,
        ...(status === 'sent' ? { sentAt: new Date() } : {}),
      },
    });
    if (status !== 'sent')
      this.options.logger.warn(
        { deliveryId: delivery.id, channel: delivery.channel, reason },
        `delivery ${status}`,
      );
    return { status, ...(reason ? { reason } : {}) };
  }
}
