import type { Job, Telemetry } from 'bullmq';
import type pg from 'pg';
import type { Logger } from 'pino';
import { NOTIFICATION_RETRY_BASE_MS, NOTIFICATIONS_QUEUE, OUTBOX_SWEEP_INTERVAL_MS } from './constants';
import { closeWithGrace } from './close-worker';
import { RetryableDeliveryError } from './errors';
import type { HeraldQueues } from './jobs';
import { scheduleDigest, sweepPendingDeliveries, DIGEST_JOB, type NotificationJobData } from './outbox';

export interface DeliveryAttempt {
  attempt: number;
  maxAttempts: number;
}

/**
 * Sends one delivery. Throw RetryableDeliveryError (or any error with `retryable: true`) to be
 * tried again with backoff; anything it returns is final.
 */
export interface DeliverResult {
  status: string;
  /** Set when the delivery waits for its owner's digest: the digest to schedule. */
  digest?: DigestJobData & { sendAt: Date };
}

/** Sends one delivery. `channel` is the one its job carries; absent on jobs enqueued by older versions. */
export type DeliverFn = (
  deliveryId: string,
  attempt: DeliveryAttempt,
  channel?: string,
) => Promise<DeliverResult>;

export interface DigestJobData {
  key: string;
  organizationId: string;
  userId: string;
}

/** Sends every delivery held under one digest key as one mail. */
export type SendDigestFn = (digest: DigestJobData, attempt: DeliveryAttempt) => Promise<{ status: string }>;

export interface NotificationWorkerOptions {
  deliver: DeliverFn;
  sendDigest?: SendDigestFn;
  queues: HeraldQueues;
  pool: pg.Pool;
  logger: Logger;
  concurrency: number;
  sweepIntervalMs?: number;
  /** First retry delay; each next one doubles (default NOTIFICATION_RETRY_BASE_MS). */
  retryBaseMs?: number;
  /** Listens to the BullMQ worker's errors (createErrorLogger: rate-limited); each is logged when absent. */
  onError?: (error: Error) => void;
  /** BullMQ telemetry: a delivery's span continues the trace of the run that enqueued it. */
  telemetry?: Telemetry;
}

/** The notification worker: pulls deliveries off the outbox queue, plus the outbox sweep. */
export function startNotificationWorker(options: NotificationWorkerOptions) {
  const { deliver, queues, logger } = options;
  const worker = queues.store.worker<NotificationJobData>(
    NOTIFICATIONS_QUEUE,
    async (job: Job<NotificationJobData>) => {
      const attempt = { attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 };
      if (job.name === DIGEST_JOB) {
        const digest = job.data as unknown as DigestJobData;
        return options.sendDigest ? (await options.sendDigest(digest, attempt)).status : 'skipped';
      }
      const outcome = await deliver(job.data.deliveryId, attempt, job.data.channel);
      if (outcome.digest) await scheduleDigest(queues.notifications, outcome.digest);
      return outcome.status;
    },
    {
      concurrency: options.concurrency,
      telemetry: options.telemetry,
      settings: {
        backoffStrategy: (attemptsMade: number) =>
          (options.retryBaseMs ?? NOTIFICATION_RETRY_BASE_MS) * 2 ** Math.max(attemptsMade - 1, 0),
      },
    },
  );
  worker.on('failed', (job, error) => {
    const retryable = error instanceof RetryableDeliveryError || (error as { retryable?: boolean }).retryable;
    logger.warn(
      { deliveryId: job?.data.deliveryId, attempt: job?.attemptsMade, err: error, retryable },
      'notification attempt failed',
    );
  });
  worker.on(
    'error',
    options.onError ?? ((error) => logger.error({ err: error }, 'notification worker error')),
  );

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
