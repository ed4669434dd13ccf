import { FlowProducer, Queue, type JobsOptions, type Telemetry } from 'bullmq';
import { KEEP_COMPLETED_JOBS, KEEP_FAILED_JOBS, NOTIFICATIONS_QUEUE, TASKS_QUEUE } from './constants';
import type { ErrorLogger } from './error-logger';
import type { NotificationJobData } from './outbox';
import type { RedisConnection } from './redis';

/**
 * A task job's data. Rule: only add optional fields — jobs already in Redis must still parse.
 * The owner and organization come from the enqueue context, never from the task input.
 */
export interface TaskJobData {
  organizationId: string;
  userId: string;
  input: unknown;
  parentId?: string;
  /** For a chord callback: its children in submission order. */
  children?: { id: string; task: string; input?: unknown }[];
  scheduleName?: string;
  /** For a scheduled run: the input key that receives its planned fire time. */
  kickoffTimeInput?: string;
}

export interface HeraldQueues {
  prefix: string;
  tasks: Queue<TaskJobData>;
  notifications: Queue<NotificationJobData>;
  flows: FlowProducer;
  /** Redis channel on which cancel requests reach the workers. */
  cancelChannel: string;
  close(): Promise<void>;
}

/**
 * `telemetry` (startTelemetry's bullmqTelemetry) carries the trace context from each add to its job.
 * `onError` listens to every queue's and the flow producer's errors; without a listener BullMQ
 * prints each one's stack with console.error.
 */
export function createQueues(
  connection: RedisConnection,
  prefix: string,
  telemetry?: Telemetry,
  onError?: ErrorLogger,
): HeraldQueues {
  const tasks = new Queue<TaskJobData>(TASKS_QUEUE, { connection, prefix, telemetry });
  const notifications = new Queue<NotificationJobData>(NOTIFICATIONS_QUEUE, {
    connection,
    prefix,
    telemetry,
  });
  const flows = new FlowProducer({ connection, prefix, telemetry });
  if (onError) {
    tasks.on('error', onError('tasks queue'));
    notifications.on('error', onError('notifications queue'));
    flows.on('error', onError('flow producer'));
  }
  return {
    prefix,
    tasks,
    notifications,
    flows,
    cancelChannel: `${prefix}:cancel`,
    async close() {
      await Promise.all([tasks.close(), notifications.close(), flows.close()]);
    },
  };
}

export function taskJobOptions(id: string, attempts: number, backoff: JobsOptions['backoff']): JobsOptions {
  return {
    jobId: id,
    attempts,
    backoff,
    removeOnComplete: KEEP_COMPLETED_JOBS,
    removeOnFail: KEEP_FAILED_JOBS,
  };
}
