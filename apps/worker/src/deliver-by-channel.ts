import type { Logger } from 'pino';
import type { Config } from '@herald/config';
import type { Database } from '@herald/db';
import type { DeliverFn } from '@herald/core';
import { ChannelService } from '@herald/channels';
import { createEmailDelivery } from './email-delivery';
import type { WorkerMetrics } from './worker-metrics';

/** Routes each delivery to its channel: e-mail, or a webhook channel (Slack, PagerDuty). */
export async function createDeliveryRouter({
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
  const email = await createEmailDelivery({ config, db, logger, metrics });
  const channels = new ChannelService(db, {
    frontendUrl: config.resultsBaseUrl,
    logger,
    allowPrivateUrls: config.CHANNEL_ALLOW_PRIVATE_URLS,
  });
  const deliver: DeliverFn = async (deliveryId, attempt, channelOfJob) => {
    // A job enqueued by an older version names only the delivery: read its channel from the row.
    const channel = channelOfJob ?? (await channelOf(db, deliveryId));
    if (!channel) return { status: 'already-done' };
    return channel === 'email' ? email.deliver(deliveryId, attempt) : channels.deliver(deliveryId, attempt);
  };
  return {
    deliver,
    sendDigest: email.sendDigest,
    async close() {
      channels.close();
      await email.close();
    },
  };
}

async function channelOf(db: Database, deliveryId: string): Promise<string | undefined> {
  const { rows } = await db.pool.query<{ channel: string }>(
    'SELECT channel FROM "NotificationDelivery" WHERE id = $1',
    [deliveryId],
  );
  return rows[0]?.channel;
}
