import { UnrecoverableError, type Job, type Telemetry } from 'bullmq';
import type { Logger } from 'pino';
import { runInTenant, type Tenant } from '@herald/db';
import {
  KEEP_COMPLETED_JOBS,
  KEEP_FAILED_JOBS,
  MAX_STALLED_COUNT,
  RUN_SWEEP_INTERVAL_MS,
  TASKS_QUEUE,
  type RunState,
} from './constants';
import type { StateChange, TaskDefinition } from './define-task';
import { describeIssues, RunCancelledError, RunTimeoutError } from './errors';
import type { HeraldQueues, TaskJobData } from './jobs';
import type { RunLedger } from './ledger';
import type { TaskRegistry } from './registry';
import { collectChildren, createRunControl, createTaskContext, type RunControl } from './run-context';
import { callStateHandlers, STATE_HANDLER_TIMEOUT_MS } from './call-state-handlers';
import { createRunEnds, runRef, type EndStatus } from './run-ends';
import { errorInfo, errorRecord } from './run-error';
import { closeWithGrace } from './close-worker';
import { createRunSweep } from './run-sweep';
import { inputWithKickoffTime } from './schedules';
import { recordedStackOf } from './stack-lines';

export interface TaskWorkerOptions {
  registry: TaskRegistry;
  ledger: RunLedger;
  queues: HeraldQueues;
  logger: Logger;
  concurrency: number;
  /** BullMQ lock settings; tests shorten them to see stalled recovery quickly. */
  lockDuration?: number;
  stalledInterval?: number;
  /** Listens to the BullMQ worker's errors (createErrorLogger: rate-limited); each is logged when absent. */
  onError?: (error: Error) => void;
  /** BullMQ telemetry: each job runs in a span continuing the trace of its enqueue. */
  telemetry?: Telemetry;
  /** How often the run sweep looks for runs whose job ended without them (RUN_SWEEP_INTERVAL_MS). */
  sweepIntervalMs?: number;
  /** How long a state handler may run before it is abandoned (STATE_HANDLER_TIMEOUT_MS). */
  stateHandlerTimeoutMs?: number;
}

/** The task worker: runs each job in its tenant's context and keeps the run ledger. */
export function startTaskWorker(options: TaskWorkerOptions) {
  const { registry, ledger, queues, logger } = options;
  const handlerTimeoutMs = options.stateHandlerTimeoutMs ?? STATE_HANDLER_TIMEOUT_MS;
  // Errors the processor has already written to the ledger; the failed event skips them.
  const recorded = new WeakSet<object>();
  // The runs this worker is running, by run id: a cancel request stops one.
  const running = new Map<string, RunControl>();

  const { endRun, recordFailedOutside, recordLostRun } = createRunEnds({
    registry,
    ledger,
    queues,
    logger,
    handlerTimeoutMs,
  });

  // Two parameters, not three: BullMQ makes an AbortController per job for a processor that takes a signal.
  async function processJob(job: Job<TaskJobData>): Promise<unknown> {
    const startedAt = performance.now();
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const tenant: Tenant = { organizationId: job.data.organizationId, userId: job.data.userId };
    const task = registry.has(job.name) ? registry.get(job.name) : null;
    const input = inputWithKickoffTime(job);
    const mayRun = await ledger.start({
      id: job.id!,
      ...tenant,
      task: job.name,
      input,
      attempt,
      maxAttempts,
      parentId: job.data.parentId,
      scheduleName: job.data.scheduleName,
      // Alert-policy ends are written outside RunLedger.end, so their start must not wait for one.
      isFirstDelivery: job.attemptsStarted === 1 && !task?.alertPolicy,
    });
    if (!mayRun) {
      logger.info({ task: job.name, runId: job.id }, 'run already ended in the ledger; not run again');
      return null;
    }
    const previous: RunState = attempt > 1 ? 'retrying' : 'queued';
    let change: StateChange = { runId: job.id!, task: job.name, tenant, attempt };
    if (task) await callStateHandlers(task, previous, 'running', change, logger, handlerTimeoutMs);

    const control = createRunControl(task?.timeoutMs);
    running.set(job.id!, control);
    let status: EndStatus = 'succeeded';
    try {
      if (!task) throw new UnrecoverableError(`Unknown task "${job.name}"`);
      const parsed = task.input.safeParse(input);
      if (!parsed.success) {
        const issues = describeIssues(parsed.error);
        const error = new UnrecoverableError(
          `Invalid input: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        );
        Object.assign(error, { issues });
        throw error;
      }
      const children = job.data.children ? await collectChildren(job) : undefined;
      // A chord callback's handlers see its children's outcomes, as its run does.
      if (children) change = { ...change, children };
      const ctx = createTaskContext(job, { attempt, maxAttempts, tenant, logger, control }, children);
      const result = await runInTenant(tenant, () =>
        Promise.race([task.run(parsed.data, ctx), control.aborted]),
      );
      await endRun(runRef(job), task, 'succeeded', attempt, { result });
      if (task)
        await callStateHandlers(
          task,
          'running',
          'succeeded',
          { ...change, result },
          logger,
          handlerTimeoutMs,
        );
      return result;
    } catch (error) {
      const reason = control.reason ?? error;
      status =
        reason instanceof RunTimeoutError
          ? 'timed_out'
          : reason instanceof RunCancelledError
            ? 'cancelled'
            : 'failed';
      const isFinal = status !== 'failed' || error instanceof UnrecoverableError || attempt >= maxAttempts;
      if (!isFinal) status = 'retrying';
      const nextAttemptAt =
        status === 'retrying' ? new Date(Date.now() + retryDelay(task, attempt)).toISOString() : undefined;
      const issues = (error as { issues?: unknown }).issues;
      await endRun(runRef(job), task, status, attempt, {
        error: errorRecord(reason, {
          ...recordedStackOf(reason),
          ...(issues ? { issues } : {}),
          ...(nextAttemptAt ? { nextAttemptAt } : {}),
        }),
      });
      if (task)
        await callStateHandlers(
          task,
          'running',
          status,
          { ...change, error: errorInfo(reason), ...(nextAttemptAt ? { nextAttemptAt } : {}) },
          logger,
          handlerTimeoutMs,
        );
      // Cancelled and timed-out runs are over: no retry.
      const thrown =
        status === 'cancelled' || status === 'timed_out'
          ? new UnrecoverableError((reason as Error).message)
          : error;
      if (thrown && typeof thrown === 'object') recorded.add(thrown);
      throw thrown;
    } finally {
      control.dispose();
      if (running.get(job.id!) === control) running.delete(job.id!);
      const durationMs = Math.round(performance.now() - startedAt);
      logger.info(
        {
          task: job.name,
          runId: job.id,
          organizationId: tenant.organizationId,
          durationMs,
          status,
          attempt,
          maxAttempts,
        },
        `${job.name} ${status} in ${durationMs} ms (attempt ${attempt} of ${maxAttempts})`,
      );
    }
  }

  const worker = queues.store.worker<TaskJobData>(TASKS_QUEUE, processJob, {
    concurrency: options.concurrency,
    maxStalledCount: MAX_STALLED_COUNT,
    ...(options.lockDuration ? { lockDuration: options.lockDuration } : {}),
    ...(options.stalledInterval ? { stalledInterval: options.stalledInterval } : {}),
    telemetry: options.telemetry,
    removeOnComplete: KEEP_COMPLETED_JOBS,
    removeOnFail: KEEP_FAILED_JOBS,
  });

  // The run still needs its end in the ledger, and its notification. If this worker dies before
  // the write, the run sweep finds the failed job and records it.
  worker.on('failed', (job, error) => {
    if (!job || recorded.has(error)) return;
    recordFailedOutside(job, error).catch((err: unknown) =>
      logger.error({ err, runId: job.id }, 'could not record a failed run'),
    );
  });

  const sweepUnfinishedRuns = createRunSweep(ledger.pool, queues.tasks, {
    onFailed: (job) =>
      recordFailedOutside(job, new Error(job.failedReason || 'The job failed outside its processor')),
    onLost: recordLostRun,
  });
  let isSweeping = false;
  const sweep = setInterval(() => {
    // A slow page (a busy Redis) is not overtaken by the next one.
    if (isSweeping) return;
    isSweeping = true;
    sweepUnfinishedRuns()
      .catch((error: unknown) => logger.warn({ err: error }, 'run sweep failed'))
      .finally(() => {
        isSweeping = false;
      });
  }, options.sweepIntervalMs ?? RUN_SWEEP_INTERVAL_MS);
  sweep.unref();
  worker.on('error', options.onError ?? ((error) => logger.error({ err: error }, 'task worker error')));

  const cancels = queues.store.subscribeCancel(
    (runId) => {
      const control = running.get(runId);
      if (!control) return;
      control.cancel();
      logger.info({ runId }, 'cancel requested');
    },
    (error) => logger.error({ err: error }, 'cancel subscription failed'),
  );

  return {
    worker,
    async close(graceMs: number): Promise<void> {
      clearInterval(sweep);
      await cancels.close();
      await closeWithGrace(worker, graceMs);
    },
  };
}

function retryDelay(task: TaskDefinition | null, attempt: number): number {
  const backoff = task?.backoff;
  if (!backoff || typeof backoff === 'number') return backoff ?? 0;
  const delay = backoff.delay ?? 0;
  return backoff.type === 'exponential' ? delay * 2 ** (attempt - 1) : delay;
}
