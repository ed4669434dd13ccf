import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Tenant } from '@herald/db';
import type { NotificationPhase } from './constants';
import type { TaskDefinition } from './define-task';
import type { HeraldQueues, TaskJobData } from './jobs';
import type { RunEnd, RunLedger } from './ledger';
import { enqueueDeliveries } from './outbox';
import type { TaskRegistry } from './registry';
import { alertOutcomeOf, endRunWithAlertPolicy } from './alert-ledger';
import { alertKeyFor } from './alert-policy';
import { callStateHandlers } from './call-state-handlers';
import { matchesOnlyErrors, notificationsFor } from './notification-filter';
import { errorInfo, errorRecord } from './run-error';
import type { UnfinishedRun } from './run-sweep';
import { renderRunTitle } from './run-title';
import { addressNotifications } from './recipients';

export type EndStatus = RunEnd['status'];

/** What a run's end needs of its job: a job, or a run the sweep found whose job is gone. */
export interface RunRef {
  id: string;
  /** The task's name. */
  name: string;
  data: {
    organizationId: string;
    userId: string;
    scheduleName?: string | null;
    input?: unknown;
    notifyTo?: string[];
  };
  progress?: unknown;
}

export const runRef = (job: Job<TaskJobData>): RunRef => ({
  id: job.id!,
  name: job.name,
  data: job.data,
  progress: job.progress,
});

export interface RunEndsOptions {
  registry: TaskRegistry;
  ledger: RunLedger;
  queues: HeraldQueues;
  logger: Logger;
  /** How long a state handler may run before it is abandoned. */
  handlerTimeoutMs: number;
}

/**
 * Writes the ends of runs to the ledger: each with the notifications its task asks for, or under
 * the task's alert policy, whose OK/FAIL state decides what is sent; then enqueues the deliveries
 * written. Also records the ends found outside a processor: a job BullMQ failed on its own, and a
 * run whose job is gone from the queue.
 */
export function createRunEnds(options: RunEndsOptions) {
  const { registry, ledger, queues, logger, handlerTimeoutMs } = options;
  const taskNamed = (name: string) => (registry.has(name) ? registry.get(name) : null);

  /** Resolves with whether the run was still unfinished, and so was ended by this write. */
  async function endRun(
    job: RunRef,
    task: TaskDefinition | null,
    status: EndStatus,
    attempt: number,
    outcome: { result?: unknown; error?: unknown },
  ): Promise<boolean> {
    const phase: NotificationPhase = status === 'retrying' ? 'retrying' : status;
    const policy = task?.alertPolicy && alertOutcomeOf(status) ? task.alertPolicy : undefined;
    // A failure the policy's onlyErrors does not name is no FAIL: no alert, and the OK/FAIL state stays.
    const isAlertOutcome = !!policy && matchesOnlyErrors(policy.onlyErrors, phase, outcome.error);
    const notifications =
      policy && !isAlertOutcome ? [] : notificationsFor(task, phase, attempt, outcome.error);
    const end: RunEnd = {
      id: job.id,
      organizationId: job.data.organizationId,
      userId: job.data.userId,
      status,
      attempts: attempt,
      ...outcome,
      title: renderRunTitle(task?.title, job.data.input, outcome.result),
      // BullMQ's default progress is 0; only a reported one is worth keeping.
      progress: job.progress === 0 ? undefined : job.progress,
      notifications: await addressNotifications(ledger.pool, job.data, notifications, job.data.notifyTo),
    };
    const written =
      task && policy && isAlertOutcome
        ? await endRunWithAlertPolicy(ledger.pool, end, policy, alertKeyFor(task, job.data, logger))
        : await ledger.end(end);
    if (written.deliveries.length) {
      // A lost enqueue is not lost mail: the outbox sweep finds the pending rows.
      await enqueueDeliveries(queues.notifications, written.deliveries).catch((error: unknown) =>
        logger.warn({ err: error, runId: job.id }, 'could not enqueue notifications; the outbox sweep will'),
      );
    }
    return written.updated;
  }

  /** Records the end of a job that BullMQ failed without its processor (stalled too often, a lost lock). */
  async function recordFailedOutside(job: Job<TaskJobData>, error: unknown): Promise<void> {
    const task = taskNamed(job.name);
    const attempt = Math.max(job.attemptsMade, 1);
    const updated = await endRun(runRef(job), task, 'failed', attempt, { error: errorRecord(error) });
    if (!updated) return;
    logger.warn({ task: job.name, runId: job.id, err: error }, 'run failed outside its processor');
    const tenant: Tenant = { organizationId: job.data.organizationId, userId: job.data.userId };
    if (task)
      await callStateHandlers(
        task,
        'running',
        'failed',
        { runId: job.id!, task: job.name, tenant, attempt, error: errorInfo(error) },
        logger,
        handlerTimeoutMs,
      );
  }

  /** Records as failed a run the sweep found whose job is no longer in the queue. */
  async function recordLostRun(run: UnfinishedRun): Promise<void> {
    const error = {
      name: 'LostRunError',
      message: 'The run’s job is no longer in the queue: it will not run',
    };
    const updated = await endRun(
      { id: run.id, name: run.task, data: run },
      taskNamed(run.task),
      'failed',
      run.attempts,
      { error },
    );
    if (updated) logger.warn({ task: run.task, runId: run.id }, 'run lost from the queue recorded as failed');
  }

  return { endRun, recordFailedOutside, recordLostRun };
}
