import type { FlowProducer, JobsOptions, Queue, Telemetry } from 'bullmq';
import { KEEP_COMPLETED_JOBS, KEEP_FAILED_JOBS, NOTIFICATIONS_QUEUE, TASKS_QUEUE } from './constants';
import type { ErrorLogger } from './error-logger';
import type { NotificationJobData } from './outbox';
import type { QueueStore } from './queue-store';

/**
 * A task job's data. Rule: only add optional fields — jobs already queued must still parse.
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
  /** Extra e-mail recipients of this run (`notify.to` of its submission or schedule). */
  notifyTo?: string[];
}

export interface HeraldQueues {
  prefix: string;
  /** Where the queues live (Redis or PostgreSQL). */
  store: QueueStore;
  tasks: Queue<TaskJobData>;
  notifications: Queue<NotificationJobData>;
  flows: FlowProducer;
  close(): Promise<void>;
}

/**
 * `telemetry` (startTelemetry's bullmqTelemetry) carries the trace context from each add to its job.
 * `onError` listens to every queue's and the flow producer's errors; without a listener BullMQ
 * prints each one's stack with console.error.
 */
export function createQueues(store: QueueStore, telemetry?: Telemetry, onError?: ErrorLogger): HeraldQueues {
  const tasks = store.queue<TaskJobData>(TASKS_QUEUE, telemetry);
  const notifications = store.queue<NotificationJobData>(NOTIFICATIONS_QUEUE, telemetry);
  const flows = store.flowProducer(telemetry);
  if (onError) {
    tasks.on('error', onError('tasks queue'));
    notifications.on('error', onError('notifications queue'));
    flows.on('error', onError('flow producer'));
  }
  return {
    prefix: store.prefix,
    store,
    tasks,
    notifications,
    flows,
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
