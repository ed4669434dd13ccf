import { Worker, type Job } from 'bullmq';
import type pg from 'pg';
import type { Logger } from 'pino';
import { NOTIFICATIONS_QUEUE, OUTBOX_SWEEP_INTERVAL_MS } from './constants';
import { closeWithGrace } from './close-worker';
import { RetryableDeliveryError } from './errors';
import type { HeraldQueues } from './jobs';
import { sweepPendingDeliveries, type NotificationJobData } from './outbox';
import type { RedisConnection } from './redis';

export interface DeliveryAttempt {
  attempt: number;
  maxAttempts: number;
}

/**
 * Sends one delivery. Throw RetryableDeliveryError (or any error with `retryable: true`) to be
 * tried again with backoff; anything it returns is final.
 */
export type DeliverFn = (deliveryId: string, attempt: DeliveryAttempt) => Promise<{ status: string }>;

export interface NotificationWorkerOptions {
  deliver: DeliverFn;
  queues: HeraldQueues;
  connection: RedisConnection;
  pool: pg.Pool;
  logger: Logger;
  concurrency: number;
  sweepIntervalMs?: number;
}

/** The notification worker: pulls deliveries off the outbox queue, plus the outbox sweep. */
export function startNotificationWorker(options: NotificationWorkerOptions) {
  const { deliver, queues, logger } = options;
  const worker = new Worker<NotificationJobData>(
    NOTIFICATIONS_QUEUE,
    async (job: Job<NotificationJobData>) => {
      const outcome = await deliver(job.data.deliveryId, {
        attempt: job.attemptsMade + 1,
        maxAttempts: job.opts.attempts ?? 1,
      });
      return outcome.status;
    },
    { connection: options.connection, prefix: queues.prefix, concurrency: options.concurrency },
  );
  worker.on('failed', (job, error) => {
    const retryable = error instanceof RetryableDeliveryError || (error as { retryable?: boolean }).retryable;
    logger.warn(
      { deliveryId: job?.data.deliveryId, attempt: job?.attemptsMade, err: error, retryable },
      'notification attempt failed',
    );
  });
  worker.on('error', (error) => logger.error({ err: error }, 'notification worker error'));

  const sweep = setInterval(() => {
    sweepPendingDeliveries(options.pool, queues.notifications, logger).catch((error: unknown) =>
      logger.warn({ err: error }, 'outbox sweep failed'),
    );
  }, options.sweepIntervalMs ?? OUTBOX_SWEEP_INTERVAL_MS);
  sweep.unref();

  return {
    worker,
    async close(graceMs: number): Promise<void> {
      clearInterval(sweep);
      await closeWithGrace(worker, graceMs);
    },
  };
}
