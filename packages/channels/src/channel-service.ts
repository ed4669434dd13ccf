import type { Logger } from 'pino';
import { runInTenant, type Database, type NotificationDelivery } from '@herald/db';
import { isChannelKind } from './channel-config';
import { formatChannelRef, parseChannelRef } from './channel-ref';
import { channelRequest, ChannelSetupError, type ChannelRequest } from './channel-request';
import { ChannelHttp, isRefusedAddress, PRIVATE_URL_REASON } from './channel-url';
import type { MessageContext } from './messages';

export interface ChannelAttempt {
  attempt: number;
  maxAttempts: number;
}

export interface ChannelOutcome {
  status: 'sent' | 'skipped' | 'failed' | 'already-done';
  reason?: string;
}

/** A delivery and the channel it goes to ("slack:alerts", or "slack" when it fell back to the default). */
interface UsedChannel {
  delivery: NotificationDelivery;
  address: string;
}

/** The receiver may accept it later (network error, 429, 5xx): the queue retries it. */
export class TransientChannelError extends Error {
  override name = 'TransientChannelError';
  readonly retryable = true;
}

/**
 * Slack, PagerDuty, Teams and webhook deliveries, through the same ledger, retries and idempotency as e-mail:
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
    const ref = parseChannelRef(delivery.channel);
    const [run, channels] = await runInTenant(tenant, () =>
      Promise.all([
        this.db.tenant.taskRun.findUnique({ where: { id: delivery.runId } }),
        this.db.tenant.notificationChannel.findMany({
          where: { kind: ref.kind, name: { in: [...new Set([ref.name, ''])] } },
        }),
      ]),
    );
    const asNamed = { delivery, address: delivery.channel };
    if (!run) return this.finish(asNamed, 'skipped', 'the run no longer exists', attempt);
    const named = channels.find((c) => c.name === ref.name);
    const channel = named ?? channels.find((c) => c.name === '');
    if (!channel || !isChannelKind(ref.kind)) {
      const missing = ref.name
        ? `no ${ref.kind} channel named "${ref.name}" and no default ${ref.kind} channel are configured for the organization`
        : `no ${delivery.channel} channel is configured for the organization`;
      return this.finish(asNamed, 'skipped', missing, attempt);
    }
    // A rule naming a channel the organization has not set up still reaches its default one; the delivery says so.
    const note = named
      ? null
      : `no ${ref.kind} channel named "${ref.name}": sent to the default ${ref.kind} channel`;
    const withNote = (reason: string) => (note ? `${reason} (${note})` : reason);
    const used = { delivery, address: formatChannelRef({ kind: ref.kind, name: channel.name }) };

    const ctx: MessageContext = { delivery, run, frontendUrl: this.options.frontendUrl };
    let request: ChannelRequest;
    try {
      request = channelRequest(ref.kind, channel.config, ctx);
    } catch (error) {
      if (!(error instanceof ChannelSetupError)) throw error;
      return this.finish(used, 'failed', withNote(error.message), attempt);
    }
    let status: number;
    try {
      status = await this.http.post(request.url, request.body, request.headers);
    } catch (error) {
      // Refused before any connection: the reason says no more, so it tells the tenant nothing of the network.
      if (isRefusedAddress(error)) return this.finish(used, 'failed', withNote(PRIVATE_URL_REASON), attempt);
      return this.retryOrFail(
        used,
        withNote(`could not reach the ${ref.kind} endpoint: ${(error as Error).message}`),
        attempt,
      );
    }
    if (status >= 200 && status < 300) return this.finish(used, 'sent', note, attempt);
    const detail = withNote(`${ref.kind} answered ${status}`);
    if (status === 429 || status >= 500) return this.retryOrFail(used, detail, attempt);
    return this.finish(used, 'failed', detail, attempt);
  }

  private async retryOrFail(
    used: UsedChannel,
    reason: string,
    attempt: ChannelAttempt,
  ): Promise<ChannelOutcome> {
    if (attempt.attempt >= attempt.maxAttempts) return this.finish(used, 'failed', reason, attempt);
    const { delivery } = used;
    await this.db.prisma.notificationDelivery.updateMany({
      where: { id: delivery.id, status: 'pending' },
      data: { attempts: attempt.attempt, reason },
    });
    throw new TransientChannelError(reason);
  }

  private async finish(
    { delivery, address }: UsedChannel,
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
        address,
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
