import type { Tenant } from '@herald/db';
import type { Logger } from 'pino';
import { callStateHandlers } from './call-state-handlers';
import { createLogger } from './logger';
import { ENQUEUE_DEADLINE_MS, MAX_TASK_ATTEMPTS, TASKS_QUEUE } from './constants';
import { atElement } from './errors';
import type { TaskCall } from './define-task';
import { taskJobOptions, type HeraldQueues, type TaskJobData } from './jobs';
import type { RunLedger } from './ledger';
import { notificationsFor } from './notification-filter';
import { enqueueDeliveries } from './outbox';
import { addressNotifications } from './recipients';
import type { TaskRegistry } from './registry';
import { withRedisDeadline } from './redis-errors';
import { newRunId } from './run-id';

export interface EnqueueOptions {
  delay?: number;
  priority?: number;
  attempts?: number;
  scheduleName?: string;
  /** Extra e-mail recipients of this run, added to its task's e-mail rules (checked by the caller). */
  notifyTo?: string[];
}

export interface TaskClientOptions {
  /** Where a state handler's failure is logged when a run is cancelled before it started. */
  logger?: Logger;
}

export interface ChordResult {
  id: string;
  children: string[];
}

export type CancelOutcome = 'cancelled' | 'cancelling' | 'not-found' | 'already-finished';

/** Submits, chords and cancels runs: the ledger row first, then the BullMQ job. */
export class TaskClient {
  constructor(
    private readonly registry: TaskRegistry,
    private readonly ledger: RunLedger,
    private readonly queues: HeraldQueues,
    private readonly options: TaskClientOptions = {},
  ) {}

  /** What an enqueue waits on, named in the error when it does not answer in time. */
  private get storeName(): string {
    return this.queues.store.kind === 'postgres' ? 'the queue database' : 'Redis';
  }

  /** Validates input (TaskInputError / UnknownTaskError) and enqueues one run. */
  async enqueue(
    task: string,
    input: unknown,
    caller: Tenant,
    options: EnqueueOptions = {},
  ): Promise<{ id: string }> {
    // Only the tenant's two ids travel with the run, whatever else the caller's object holds.
    const tenant: Tenant = { organizationId: caller.organizationId, userId: caller.userId };
    const definition = this.registry.get(task);
    const parsed = this.registry.parseInput(task, input);
    const attempts = Math.min(options.attempts ?? definition.attempts, MAX_TASK_ATTEMPTS);
    const id = newRunId();
    const notifyTo = options.notifyTo?.length ? options.notifyTo : undefined;
    await this.ledger.insertQueued([
      {
        id,
        ...tenant,
        task,
        input: parsed,
        maxAttempts: attempts,
        scheduleName: options.scheduleName,
        notifyTo,
      },
    ]);
    const data: TaskJobData = {
      ...tenant,
      input: parsed,
      scheduleName: options.scheduleName,
      ...(notifyTo ? { notifyTo } : {}),
    };
    try {
      await withRedisDeadline(
        this.queues.tasks.add(task, data, {
          ...taskJobOptions(id, attempts, definition.backoff),
          delay: options.delay,
          priority: options.priority,
        }),
        ENQUEUE_DEADLINE_MS,
        'enqueue',
        this.storeName,
      );
    } catch (error) {
      await this.ledger.end({
        id,
        ...tenant,
        status: 'failed',
        attempts: 0,
        error: { message: 'The run could not be queued' },
        notifications: [],
      });
      throw error;
    }
    return { id };
  }

  /**
   * Enqueues many runs of one task: one ledger statement and one Redis round trip for all of
   * them, instead of one of each per run. Every input is validated before anything is written.
   */
  async enqueueMany(
    task: string,
    inputs: unknown[],
    caller: Tenant,
    options: Omit<EnqueueOptions, 'delay' | 'priority'> = {},
  ): Promise<{ ids: string[] }> {
    const tenant: Tenant = { organizationId: caller.organizationId, userId: caller.userId };
    const definition = this.registry.get(task);
    const parsed = inputs.map((input) => this.registry.parseInput(task, input));
    const attempts = Math.min(options.attempts ?? definition.attempts, MAX_TASK_ATTEMPTS);
    const runs = parsed.map((input) => ({
      id: newRunId(),
      ...tenant,
      task,
      input,
      maxAttempts: attempts,
      scheduleName: options.scheduleName,
    }));
    if (!runs.length) return { ids: [] };
    await this.ledger.insertQueued(runs);
    try {
      await withRedisDeadline(
        this.queues.tasks.addBulk(
          runs.map((run) => ({
            name: task,
            data: { ...tenant, input: run.input, scheduleName: options.scheduleName } satisfies TaskJobData,
            opts: taskJobOptions(run.id, attempts, definition.backoff),
          })),
        ),
        ENQUEUE_DEADLINE_MS,
        'enqueue',
        this.storeName,
      );
    } catch (error) {
      // addBulk is a pipeline, so some jobs may be in Redis: their runs are failed in the ledger
      // like the others, and a worker that meets one finds its end there and does not run it.
      await Promise.all(
        runs.map((run) =>
          this.ledger.end({
            id: run.id,
            ...tenant,
            status: 'failed',
            attempts: 0,
            error: { message: 'The run could not be queued' },
            notifications: [],
          }),
        ),
      );
      throw error;
    }
    return { ids: runs.map((run) => run.id) };
  }

  /**
   * A chord: children run in parallel and silently; the callback runs once all have ended,
   * failed ones included (ignoreDependencyOnFailure), and sees every outcome in order.
   */
  async chord(children: TaskCall[], callback: TaskCall, caller: Tenant): Promise<ChordResult> {
    const tenant: Tenant = { organizationId: caller.organizationId, userId: caller.userId };
    const parsedChildren = children.map((child, index) =>
      atElement(`tasks[${index}]`, () => ({
        id: newRunId(),
        definition: this.registry.get(child.task),
        input: this.registry.parseInput(child.task, child.input),
      })),
    );
    const callbackDefinition = atElement('callback', () => this.registry.get(callback.task));
    const callbackInput = atElement('callback', () =>
      this.registry.parseInput(callback.task, callback.input),
    );
    const id = newRunId();
    await this.ledger.insertQueued([
      { id, ...tenant, task: callback.task, input: callbackInput, maxAttempts: callbackDefinition.attempts },
      ...parsedChildren.map((child) => ({
        id: child.id,
        ...tenant,
        task: child.definition.name,
        input: child.input,
        maxAttempts: child.definition.attempts,
        parentId: id,
      })),
    ]);
    await this.queues.flows.add({
      name: callback.task,
      queueName: TASKS_QUEUE,
      data: {
        ...tenant,
        input: callbackInput,
        children: parsedChildren.map((child) => ({
          id: child.id,
          task: child.definition.name,
          input: child.input,
        })),
      } satisfies TaskJobData,
      opts: taskJobOptions(id, callbackDefinition.attempts, callbackDefinition.backoff),
      children: parsedChildren.map((child) => ({
        name: child.definition.name,
        queueName: TASKS_QUEUE,
        data: { ...tenant, input: child.input, parentId: id } satisfies TaskJobData,
        opts: {
          ...taskJobOptions(child.id, child.definition.attempts, child.definition.backoff),
          ignoreDependencyOnFailure: true,
        },
      })),
    });
    return { id, children: parsedChildren.map((child) => child.id) };
  }

  /** Cancels a run of this tenant: a waiting one at once, a running one through its AbortSignal. */
  async cancel(runId: string, tenant: Tenant): Promise<CancelOutcome> {
    const job = await this.queues.tasks.getJob(runId);
    if (!job || job.data.organizationId !== tenant.organizationId) return 'not-found';
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return 'already-finished';
    if (state === 'active') {
      await this.queues.store.publishCancel(runId);
      return 'cancelling';
    }
    try {
      await job.remove();
    } catch {
      // Became active meanwhile: its worker holds the lock.
      await this.queues.store.publishCancel(runId);
      return 'cancelling';
    }
    const definition = this.registry.has(job.name) ? this.registry.get(job.name) : null;
    const outcome = await this.ledger.end({
      id: runId,
      organizationId: job.data.organizationId,
      userId: job.data.userId,
      status: 'cancelled',
      attempts: job.attemptsMade,
      error: { message: 'Run was cancelled' },
      notifications: await addressNotifications(
        this.ledger.pool,
        job.data,
        notificationsFor(definition, 'cancelled', job.attemptsMade, undefined),
        job.data.notifyTo,
      ),
    });
    await enqueueDeliveries(this.queues.notifications, outcome.deliveries);
    // The run never started, so no worker sees its end: its handlers are called here.
    if (definition) {
      const change = {
        runId,
        task: job.name,
        tenant,
        attempt: job.attemptsMade,
        error: { name: 'RunCancelledError', message: 'Run was cancelled' },
      };
      const logger = this.options.logger ?? createLogger({ level: 'warn', name: 'herald' });
      await callStateHandlers(definition, 'queued', 'cancelled', change, logger);
    }
    return 'cancelled';
  }
}
