import type { Telemetry } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '@herald/config';
import { createDatabase } from '@herald/db';
import {
  checkDependencies,
  createErrorLogger,
  createQueues,
  openQueueStore,
  retentionPolicyOf,
  RunLedger,
  startMaintenance,
  startNotificationWorker,
  startTaskWorker,
  type TaskRegistry,
} from '@herald/core';
import { createDeliveryRouter } from './deliver-by-channel';
import { startHealthServer } from './health-server';
import { createWorkerMetrics } from './worker-metrics';

export interface WorkerAppOptions {
  config: Config;
  logger: Logger;
  registry: TaskRegistry;
  /** Run only the task worker or only the notification worker (both by default). */
  roles?: { tasks?: boolean; notifications?: boolean };
  /** BullMQ lock settings, shortened by tests that need fast stalled recovery. */
  lockDuration?: number;
  stalledInterval?: number;
  healthPort?: number;
  /** BullMQ telemetry (startTelemetry's bullmqTelemetry): jobs continue the trace of their enqueue. */
  telemetry?: Telemetry;
}

/** Wires the task worker, the notification worker, the outbox sweep and the health server. */
export async function startWorkerApp(options: WorkerAppOptions) {
  const { config, logger, registry } = options;
  const roles = { tasks: true, notifications: true, ...options.roles };
  const db = createDatabase({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
  const onError = createErrorLogger(logger);
  const { store, choice } = await openQueueStore(config, {
    forWorker: true,
    onError: onError('queue store'),
  });
  logger.info({ queueBackend: choice.kind }, `queues on ${choice.kind} (${choice.reason})`);
  const queues = createQueues(store, options.telemetry, onError);
  const ledger = new RunLedger(db.pool);
  const metrics = createWorkerMetrics();

  const taskWorker = roles.tasks
    ? startTaskWorker({
        registry,
        ledger,
        queues,
        logger,
        concurrency: config.WORKER_CONCURRENCY,
        lockDuration: options.lockDuration,
        stalledInterval: options.stalledInterval,
        telemetry: options.telemetry,
        onError: onError('task worker'),
      })
    : null;
  // The ledger prune rides with the task role: a job scheduler on the maintenance queue, one pass at a time.
  const maintenance = roles.tasks
    ? await startMaintenance({
        store,
        pool: db.pool,
        logger,
        policy: retentionPolicyOf(config),
      })
    : null;
  const email = roles.notifications ? await createDeliveryRouter({ config, db, logger, metrics }) : null;
  const notificationWorker = email
    ? startNotificationWorker({
        deliver: metrics.countDeliveries(email.deliver),
        sendDigest: email.sendDigest,
        queues,
        pool: db.pool,
        logger,
        concurrency: config.NOTIFICATION_CONCURRENCY,
        retryBaseMs: config.NOTIFICATION_RETRY_BASE_MS,
        telemetry: options.telemetry,
        onError: onError('notification worker'),
      })
    : null;

  const healthPort = options.healthPort ?? config.WORKER_HEALTH_PORT;
  for (const worker of [taskWorker?.worker, notificationWorker?.worker])
    if (worker) metrics.watchWorker(worker);
  const health = healthPort
    ? startHealthServer(healthPort, () => checkDependencies(store, db.pool), logger, metrics.registry)
    : null;
  logger.info(
    { concurrency: config.WORKER_CONCURRENCY, tasks: registry.names(), prefix: queues.prefix },
    'Herald worker started',
  );

  return {
    queues,
    db,
    /** Drains in-flight jobs within the grace period, then releases every connection. */
    async close(graceMs = config.SHUTDOWN_GRACE_MS): Promise<void> {
      health?.close();
      await Promise.all([
        taskWorker?.close(graceMs),
        notificationWorker?.close(graceMs),
        maintenance?.close(),
      ]);
      await email?.close();
      await queues.close();
      await store.close();
      await db.close();
    },
  };
}
