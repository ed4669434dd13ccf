import type { BackoffOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Tenant } from '@herald/db';
import type { NotificationPhase, RunState } from './constants';
import { checkTitleTemplate } from './run-title';

/** What a chord callback learns of each child, in submission order. */
export interface ChildOutcome {
  runId: string;
  task: string;
  input: unknown;
  status: 'succeeded' | 'failed';
  result?: unknown;
  error?: string;
}

export interface TaskContext {
  runId: string;
  task: string;
  attempt: number;
  maxAttempts: number;
  tenant: Tenant;
  logger: Logger;
  /** Fires when the run is cancelled or times out. */
  signal: AbortSignal;
  progress(value: number | object): Promise<void>;
  /** Set for a chord callback: every child's outcome, in the order they were submitted. */
  children?: ChildOutcome[];
}

/** One notification a task sends, and on which phases. */
export interface NotificationRule {
  channel: string;
  template: string;
  /** Handlebars, rendered when the notification is sent; empty: the template's own subject. */
  subject: string;
  on: NotificationPhase[];
  /** Only for these errors (by name, in the error or its cause chain) on failed, timed_out and retrying. */
  onlyErrors?: string[];
  /** E-mail recipients: addresses (lower-case), 'owner', 'org-admins'. Absent: the owner. */
  to?: string[];
}

/** An error in a cause chain (`new Error(message, { cause })`): name and message. */
export interface ErrorCause {
  name: string;
  message: string;
  cause?: ErrorCause;
}

/** An error as state handlers see it. */
export interface RunErrorInfo {
  name: string;
  message: string;
  stack?: string;
  /** The error's `cause`, and so on down its chain. */
  cause?: ErrorCause;
}

export interface StateChange {
  runId: string;
  task: string;
  tenant: Tenant;
  attempt: number;
  error?: RunErrorInfo;
  /** For a retry: when the next attempt is planned (ISO 8601). */
  nextAttemptAt?: string;
  result?: unknown;
  /** For a chord callback's end: every child's outcome, in the order they were submitted. */
  children?: ChildOutcome[];
}

export type StateHandler = (
  task: TaskDefinition,
  oldState: RunState,
  newState: RunState,
  change: StateChange,
) => void | Promise<void>;

export interface TaskDefinition<Input = any, Output = any, Name extends string = string> {
  name: Name;
  /** A human title for each run, Handlebars over its input and result, e.g. 'Report {{report_name}}'. */
  title?: string;
  input: z.ZodType<Input>;
  run: (input: Input, ctx: TaskContext) => Promise<Output>;
  attempts: number;
  backoff: BackoffOptions;
  timeoutMs?: number;
  notifications: NotificationRule[];
  stateHandlers: StateHandler[];
  /** Change-only alerting (alertPolicy()): notifications of OK/FAIL ends are sent only on a change. */
  alertPolicy?: {
    silentSeconds: number;
    okSilentHours: number;
    /** Only failures with these errors (by name, in the error or its cause chain) count as FAIL. */
    onlyErrors?: string[];
    /** Keys the OK/FAIL state by input; default: the schedule's or the task's name. */
    key?: (input: Input) => string;
  };
  /** A signature for chord(): this task with this input. */
  with(input: Input): TaskCall<Input>;
}

export interface TaskCall<Input = unknown> {
  task: string;
  input: Input;
}

export interface TaskOptions<Name extends string, Schema extends z.ZodType, Output> {
  name: Name;
  /**
   * A human title for each run: Handlebars over the run's input and then its result, e.g.
   * 'Report {{report_name}}'. Mails use it as their headline and default subject.
   */
  title?: string;
  input: Schema;
  run: (input: z.output<Schema>, ctx: TaskContext) => Promise<Output>;
  attempts?: number;
  backoff?: BackoffOptions;
  timeoutMs?: number;
}

const TASK_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

export function defineTask<const Name extends string, Schema extends z.ZodType, Output>(
  options: TaskOptions<Name, Schema, Output>,
): TaskDefinition<z.output<Schema>, Output, Name> {
  if (!TASK_NAME.test(options.name)) {
    throw new Error(`Task name "${options.name}" must be dotted lower-case words, e.g. "reports.build"`);
  }
  const titleProblem = options.title === undefined ? null : checkTitleTemplate(options.title);
  if (titleProblem) throw new Error(`Task ${options.name}: title is not a valid template: ${titleProblem}`);
  const attempts = options.attempts ?? 1;
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new Error(`Task ${options.name}: attempts must be >= 1`);
  return withChanges(
    {
      name: options.name,
      title: options.title,
      input: options.input as unknown as z.ZodType<z.output<Schema>>,
      run: options.run,
      attempts,
      backoff: options.backoff ?? { type: 'exponential', delay: 1_000 },
      timeoutMs: options.timeoutMs,
      notifications: [],
      stateHandlers: [],
    },
    {},
  );
}

/** A copy of a definition with some fields changed; definitions are never mutated. */
export function withChanges<Input, Output, Name extends string>(
  task: Omit<TaskDefinition<Input, Output, Name>, 'with'>,
  changes: Partial<Omit<TaskDefinition<Input, Output, Name>, 'with' | 'name'>>,
): TaskDefinition<Input, Output, Name> {
  const next = { ...task, ...changes };
  return { ...next, with: (input: Input) => ({ task: next.name, input }) };
}
