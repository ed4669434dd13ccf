export * from './constants';
export {
  defineTask,
  type TaskDefinition,
  type TaskContext,
  type TaskCall,
  type ChildOutcome,
  type NotificationRule,
  type StateHandler,
  type RunErrorInfo,
  type ErrorCause,
  type StateChange,
} from './define-task';
export { emailNotification, notify, DEFAULT_NOTIFY_ON, type NotificationOptions } from './email-notification';
export {
  isEmailAddress,
  recipientProblem,
  normalizeRecipients,
  OWNER_RECIPIENT,
  ORG_ADMINS_RECIPIENT,
  type RunNotification,
} from './recipients';
export { onStateChange, onFailure, onSuccess, onRetry } from './state-handlers';
export { TaskRegistry } from './registry';
export {
  TaskInputError,
  UnknownTaskError,
  RunTimeoutError,
  RunCancelledError,
  RetryableDeliveryError,
  formatIssuePath,
  joinPath,
  type InputIssue,
} from './errors';
export {
  CLUSTER_RETRY,
  clusterOptions,
  clusterSeedNodes,
  createRedisConnection,
  queuePrefix,
  type RedisConnection,
} from './redis';
export { isRedisUnavailableError } from './redis-errors';
export {
  chooseQueueBackend,
  queueSchemaName,
  pingRedis,
  type QueueBackendChoice,
  type QueueBackendKind,
  type QueueStore,
  type RateLimitResult,
} from './queue-store';
export { createRedisQueueStore, redisQueueStoreOn, type RedisQueueStore } from './redis-queue-store';
export { createPostgresQueueStore, migrateQueueStore, type PostgresQueueStore } from './postgres-queue-store';
export { openQueueStore, migrateQueues, queueDatabaseUrl } from './open-queue-store';
export { createErrorLogger, type ErrorLogger } from './error-logger';
export { createQueues, type HeraldQueues, type TaskJobData } from './jobs';
export { RunLedger, deliveryIdFor, type NewRun, type PendingDelivery, type RunEnd } from './ledger';
export { TaskClient, type EnqueueOptions, type ChordResult, type CancelOutcome } from './task-client';
export { startTaskWorker, type TaskWorkerOptions } from './task-worker';
export { createRunSweep, type UnfinishedRun, type UnfinishedRunHandlers } from './run-sweep';
export {
  startNotificationWorker,
  type DeliverFn,
  type DeliverResult,
  type DigestJobData,
  type SendDigestFn,
  type DeliveryAttempt,
  type NotificationWorkerOptions,
} from './notification-worker';
export { enqueueDeliveries, sweepPendingDeliveries, type NotificationJobData } from './outbox';
export { closeWithGrace } from './close-worker';
export { executeTest, collectResults, emailNotificationTest, BUILTIN_TASKS } from './builtin-tasks';
export { isTransientDatabaseError, retryWhileDatabaseDown } from './db-retry';
export { createLogger, REDACTED_PATHS } from './logger';
export { checkDependencies } from './readiness';
export {
  ScheduleManager,
  ScheduleError,
  validateSchedule,
  MIN_EVERY_MS,
  type ScheduleSpec,
} from './schedules';
export { convertAwsCron, looksLikeAwsCron, AwsCronError } from './aws-cron';
export { alertPolicy, decideAlert, type AlertPolicy, type AlertDecision } from './alert-policy';
export { endRunWithAlertPolicy } from './alert-ledger';
export { STATE_HANDLER_TIMEOUT_MS } from './call-state-handlers';
export {
  pruneLedger,
  planPrune,
  retentionPolicyOf,
  type PruneReport,
  type PruneOptions,
  type RetentionPolicy,
} from './retention';
export { startMaintenance, pruneLedgerExclusively, PRUNE_SCHEDULER_ID, PRUNE_JOB } from './maintenance';
export {
  ensureLedgerPartitions,
  PARTITION_DAYS_AHEAD,
  type EnsurePartitionsReport,
} from './ledger-partitions';
export { findExpiredPartitions, dropExpiredPartition, type ExpiredPartition } from './partition-retention';
export {
  dayRangeOf,
  uuidv7Floor,
  uuidv7Time,
  listRunPartitions,
  type LedgerPartition,
} from './partition-ranges';
export { newRunId } from './run-id';
