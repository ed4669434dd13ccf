import type { Queue } from 'bullmq';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { PendingDelivery } from './ledger';
import {
  NOTIFICATION_ATTEMPTS,
  NOTIFICATION_BACKOFF,
  OUTBOX_SWEEP_AGE_MS,
  KEEP_COMPLETED_JOBS,
  KEEP_FAILED_JOBS,
} from './constants';

export interface NotificationJobData {
  deliveryId: string;
  /** The delivery's channel, so the worker routes it without reading the row first (absent on older jobs). */
  channel?: string;
}

const notificationJobOptions = (deliveryId: string) => ({
  jobId: deliveryId,
  attempts: NOTIFICATION_ATTEMPTS,
  backoff: NOTIFICATION_BACKOFF,
  removeOnComplete: KEEP_COMPLETED_JOBS,
  removeOnFail: KEEP_FAILED_JOBS,
});

/** Puts deliveries on the notifications queue; the job id is the delivery id, so a repeat is a no-op. */
export async function enqueueDeliveries(
  queue: Queue<NotificationJobData>,
  deliveries: PendingDelivery[],
): Promise<void> {
  if (!deliveries.length) return;
  await queue.addBulk(
    deliveries.map(({ id, channel }) => ({
      name: 'deliver',
      data: { deliveryId: id, channel },
      opts: notificationJobOptions(id),
    })),
  );
}

/**
 * The outbox sweep: a delivery still pending long after it was written lost its enqueue (a
 * crash between commit and enqueue) or its job ended without recording an outcome. Enqueue it
 * again, or retry its failed job. Returns how many it revived.
 */
export async function sweepPendingDeliveries(
  pool: pg.Pool,
  queue: Queue<NotificationJobData>,
  logger: Logger,
  { olderThanMs = OUTBOX_SWEEP_AGE_MS, limit = 500 } = {},
): Promise<number> {
  const { rows } = await pool.query<PendingDelivery>(
    `SELECT id, channel FROM "NotificationDelivery" WHERE status = 'pending' AND "createdAt" < now() - ($1::int * interval '1 millisecond')
     ORDER BY "createdAt" LIMIT $2`,
    [olderThanMs, limit],
  );
  let revived = 0;
  for (const { id, channel } of rows) {
    const job = await queue.getJob(id);
    if (!job) {
      await enqueueDeliveries(queue, [{ id, channel }]);
      revived++;
    } else if (await job.isFailed()) {
      await job.retry('failed');
      revived++;
    } else if ((await job.isCompleted()) && job.returnvalue === 'sent') {
      // The mail went out but recording it failed (PostgreSQL was down): record it now, never resend.
      await pool.query(
        `UPDATE "NotificationDelivery" SET status = 'sent', reason = 'recorded by the outbox sweep', "sentAt" = COALESCE("sentAt", now()), "updatedAt" = now()
         WHERE id = $1 AND status = 'pending'`,
        [id],
      );
      revived++;
    }
  }
  if (revived) logger.warn({ revived }, 'outbox sweep re-enqueued pending deliveries');
  return revived;
}

export const DIGEST_JOB = 'digest';

/** One job per digest key, due when its window closes; every held delivery of the window finds the same job. */
export async function scheduleDigest(
  queue: Queue<NotificationJobData>,
  digest: { key: string; organizationId: string; userId: string; sendAt: Date },
): Promise<void> {
  const data = { key: digest.key, organizationId: digest.organizationId, userId: digest.userId };
  await queue.add(DIGEST_JOB, data as unknown as NotificationJobData, {
    ...notificationJobOptions(`digest-${digest.key.replace(/:/g, '-')}`),
    delay: Math.max(digest.sendAt.getTime() - Date.now(), 0),
  });
}
