import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Tenant } from '@herald/db';
import type { ChildOutcome, TaskContext } from './define-task';
import { RunCancelledError, RunTimeoutError } from './errors';
import type { TaskJobData } from './jobs';

/** Each child's outcome in submission order, from the callback job's dependencies. */
export async function collectChildren(job: Job<TaskJobData>, prefix: string): Promise<ChildOutcome[]> {
  const children = job.data.children ?? [];
  const [values, failures] = await Promise.all([job.getChildrenValues(), job.getIgnoredChildrenFailures()]);
  return children.map(({ id, task, input }) => {
    const key = `${prefix}:${job.queueName}:${id}`;
    if (key in values) return { runId: id, task, input, status: 'succeeded', result: values[key] };
    return { runId: id, task, input, status: 'failed', error: failures[key] ?? 'The run did not complete' };
  });
}

export interface RunControl {
  signal: AbortSignal;
  /** Rejects when the signal fires, so a task that ignores it still ends. */
  aborted: Promise<never>;
  dispose(): void;
}

/**
 * One AbortSignal for the run: fired by a cancel request (the worker's signal) or by the timeout.
 * Per-job hot path: the signal is read once and `aborted` is rejected by the abort itself, not by
 * a listener on the run's own signal.
 */
export function createRunControl(workerSignal: AbortSignal | undefined, timeoutMs: number | undefined): RunControl {
  const controller = new AbortController();
  const signal = controller.signal;
  let rejectAborted: (reason: Error) => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    rejectAborted = reject;
  });
  aborted.catch(() => undefined);
  const abort = (reason: Error) => {
    if (signal.aborted) return;
    controller.abort(reason);
    rejectAborted(reason);
  };
  const onCancel = () => abort(new RunCancelledError());
  workerSignal?.addEventListener('abort', onCancel, { once: true });
  const timer = timeoutMs ? setTimeout(() => abort(new RunTimeoutError(timeoutMs)), timeoutMs) : null;
  return {
    signal,
    aborted,
    dispose() {
      if (timer) clearTimeout(timer);
      workerSignal?.removeEventListener('abort', onCancel);
    },
  };
}

export function createTaskContext(
  job: Job<TaskJobData>,
  base: { attempt: number; maxAttempts: number; tenant: Tenant; logger: Logger; signal: AbortSignal },
  children: ChildOutcome[] | undefined,
): TaskContext {
  let logger: Logger | undefined;
  return {
    runId: job.id!,
    task: job.name,
    attempt: base.attempt,
    maxAttempts: base.maxAttempts,
    tenant: base.tenant,
    signal: base.signal,
    children,
    // Built on first use: most runs never log.
    get logger() {
      logger ??= base.logger.child({
        task: job.name,
        runId: job.id,
        organizationId: base.tenant.organizationId,
        attempt: base.attempt,
      });
      return logger;
    },
    progress: (value) => job.updateProgress(value),
  };
}
