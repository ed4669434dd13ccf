import type { BackoffOptions } from 'bullmq';

/** Queue that runs tasks. */
export const TASKS_QUEUE = 'tasks';
/** Queue of pending notification deliveries (job id = delivery id). */
export const NOTIFICATIONS_QUEUE = 'notifications';

/** A task runs once unless its definition asks for more. */
export const DEFAULT_TASK_ATTEMPTS = 1;
export const MAX_TASK_ATTEMPTS = 25;
export const DEFAULT_TASK_BACKOFF: BackoffOptions = { type: 'exponential', delay: 1_000 };

/**
 * Notification retries: 8 attempts, exponential from 15 s: 15+30+60+...+960 s ≈ 32 min in all
 * before a delivery is given up as failed. The job names a custom strategy so the notification
 * worker applies the base delay it is configured with (NOTIFICATION_RETRY_BASE_MS).
 */
export const NOTIFICATION_ATTEMPTS = 8;
export const NOTIFICATION_RETRY_BASE_MS = 15_000;
export const NOTIFICATION_BACKOFF: BackoffOptions = { type: 'herald-notification' };

/** Pending deliveries older than this with no live job are enqueued again by the sweep. */
export const OUTBOX_SWEEP_AGE_MS = 60_000;
export const OUTBOX_SWEEP_INTERVAL_MS = 30_000;

/**
 * Unfinished runs untouched this long are checked against their BullMQ job by the run sweep
 * (every RUN_SWEEP_INTERVAL_MS): one that BullMQ failed, or whose job is gone, is ended.
 */
export const RUN_SWEEP_AGE_MS = 60_000;
export const RUN_SWEEP_INTERVAL_MS = 30_000;

/** Finished jobs kept in Redis for the dashboard; the run ledger in PostgreSQL keeps everything. */
export const KEEP_COMPLETED_JOBS = { age: 3_600, count: 2_000 };
export const KEEP_FAILED_JOBS = { age: 7 * 24 * 3_600, count: 10_000 };

/** Queue of Herald's own housekeeping jobs (the ledger prune). */
export const MAINTENANCE_QUEUE = 'maintenance';
/** How often the maintenance queue's job scheduler prunes the ledger. */
export const PRUNE_INTERVAL_MS = 15 * 60_000;
/** Rows per prune statement, and the pause between two, so the ledger's writers never queue behind it. */
export const PRUNE_BATCH_SIZE = 1_000;
export const PRUNE_BATCH_PAUSE_MS = 20;

/** A BullMQ job whose lock lapses this many times is failed as stalled. */
export const MAX_STALLED_COUNT = 2;

export const TERMINAL_STATUSES = ['succeeded', 'failed', 'timed_out', 'cancelled'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];
export type RunState = 'queued' | 'running' | 'retrying' | TerminalStatus;
export type NotificationPhase = TerminalStatus | 'retrying';

/**
 * How long an enqueue waits for Redis before the API answers 503. BullMQ waits for a client that
 * never connected (a cluster unreachable since start) without end; this bounds it. A job that
 * lands after the deadline finds its run already failed in the ledger and is not run.
 */
export const ENQUEUE_DEADLINE_MS = 3_000;
