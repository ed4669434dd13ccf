import { CronExpressionParser } from 'cron-parser';
import type { Job } from 'bullmq';
import { runInTenant, type Database, type Schedule, type Tenant } from '@herald/db';
import { AwsCronError, convertAwsCron, looksLikeAwsCron, startOfYear, type ConvertedCron } from './aws-cron';
import { KEEP_COMPLETED_JOBS, KEEP_FAILED_JOBS } from './constants';
import type { HeraldQueues, TaskJobData } from './jobs';
import type { TaskRegistry } from './registry';

/** Below this, a fixed-rate schedule is a busy loop, not a schedule. */
export const MIN_EVERY_MS = 1_000;
const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const INPUT_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

export interface ScheduleSpec {
  name: string;
  task: string;
  input: unknown;
  cron?: string;
  everyMs?: number;
  timezone?: string;
  /** 'aws' reads `cron` as AWS/Flyte writes it (minute first, `?`, a year); detected when unset. */
  cronSyntax?: 'aws' | 'unix';
  /** The input key that receives each run's planned fire time (ISO 8601), as Flyte's kickoff_time_input_arg. */
  kickoffTimeInput?: string;
}

/** A schedule that cannot be registered; `field` names what is wrong. */
export class ScheduleError extends Error {
  override name = 'ScheduleError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new ScheduleError('timezone', `unknown time zone "${timezone}"`);
  }
}

/** Checks a spec; returns the input parsed by the task's schema. */
export function validateSchedule(registry: TaskRegistry, spec: ScheduleSpec): unknown {
  if (!SCHEDULE_NAME.test(spec.name)) {
    throw new ScheduleError(
      'name',
      'expected 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit',
    );
  }
  if ((spec.cron === undefined) === (spec.everyMs === undefined)) {
    throw new ScheduleError('cron', 'give exactly one of cron or everyMs');
  }
  if (spec.timezone) checkTimezone(spec.timezone);
  if (spec.cron !== undefined) queuePattern({ ...spec, cron: spec.cron });
  if (spec.everyMs !== undefined && (!Number.isInteger(spec.everyMs) || spec.everyMs < MIN_EVERY_MS)) {
    throw new ScheduleError('everyMs', `expected a whole number of milliseconds >= ${MIN_EVERY_MS}`);
  }
  if (spec.kickoffTimeInput === undefined) return registry.parseInput(spec.task, spec.input);
  if (!INPUT_KEY.test(spec.kickoffTimeInput)) {
    throw new ScheduleError(
      'kickoffTimeInput',
      'expected an input key: letters, digits and "_", not starting with a digit',
    );
  }
  if (typeof spec.input !== 'object' || spec.input === null || Array.isArray(spec.input)) {
    throw new ScheduleError('kickoffTimeInput', 'needs the input to be an object, to put the fire time in');
  }
  // The task sees a time under that key on every run, so it is checked with one.
  const example = { ...spec.input, [spec.kickoffTimeInput]: new Date().toISOString() };
  const parsed = registry.parseInput(spec.task, example) as Record<string, unknown>;
  const { [spec.kickoffTimeInput]: _fireTime, ...input } = parsed;
  return input;
}

/** The pattern the queue runs for a cron spec, checked; AWS syntax converted. */
function queuePattern(spec: ScheduleSpec & { cron: string }): ConvertedCron {
  const aws = spec.cronSyntax === 'aws' || (spec.cronSyntax !== 'unix' && looksLikeAwsCron(spec.cron));
  let converted: ConvertedCron = { pattern: spec.cron };
  if (aws) {
    try {
      converted = convertAwsCron(spec.cron);
    } catch (error) {
      if (error instanceof AwsCronError) throw new ScheduleError('cron', `AWS syntax: ${error.message}`);
      throw error;
    }
  } else {
    const fields = spec.cron.trim().split(/\s+/).length;
    if (fields !== 5 && fields !== 6)
      throw new ScheduleError('cron', `expected 5 or 6 fields, got ${fields}`);
  }
  try {
    CronExpressionParser.parse(converted.pattern, { tz: spec.timezone });
  } catch (error) {
    throw new ScheduleError('cron', (error as Error).message);
  }
  return converted;
}

/** The repeat options of a spec: cron (with the years an AWS expression names) or a fixed rate. */
function repeatOptions(spec: ScheduleSpec) {
  if (spec.cron === undefined) return { every: spec.everyMs };
  const { pattern, years } = queuePattern({ ...spec, cron: spec.cron });
  if (!years) return { pattern, tz: spec.timezone };
  return {
    pattern,
    tz: spec.timezone,
    startDate: startOfYear(years.from, spec.timezone),
    endDate: new Date(startOfYear(years.to + 1, spec.timezone).getTime() - 1),
  };
}

const schedulerId = (organizationId: string, name: string) => `${organizationId}:${name}`;

/**
 * Schedules: a row per schedule (owned by an organization, run as its creator) and a BullMQ
 * job scheduler that produces the runs. A scheduled run is a normal run: ledger, notifications.
 */
export class ScheduleManager {
  constructor(
    private readonly registry: TaskRegistry,
    private readonly queues: HeraldQueues,
    private readonly db: Database,
  ) {}

  async upsert(spec: ScheduleSpec, tenant: Tenant): Promise<Schedule> {
    const input = validateSchedule(this.registry, spec);
    const task = this.registry.get(spec.task);
    const data: TaskJobData = {
      ...tenant,
      input,
      scheduleName: spec.name,
      ...(spec.kickoffTimeInput ? { kickoffTimeInput: spec.kickoffTimeInput } : {}),
    };
    await this.queues.tasks.upsertJobScheduler(
      schedulerId(tenant.organizationId, spec.name),
      repeatOptions(spec),
      {
        name: spec.task,
        data,
        opts: {
          attempts: task.attempts,
          backoff: task.backoff,
          removeOnComplete: KEEP_COMPLETED_JOBS,
          removeOnFail: KEEP_FAILED_JOBS,
        },
      },
    );
    const fields = {
      userId: tenant.userId,
      task: spec.task,
      input: input as object,
      cron: spec.cron ?? null,
      everyMs: spec.everyMs ?? null,
      timezone: spec.timezone ?? null,
      kickoffTimeInput: spec.kickoffTimeInput ?? null,
    };
    return runInTenant(tenant, () =>
      this.db.tenant.schedule.upsert({
        where: { organizationId_name: { organizationId: tenant.organizationId, name: spec.name } },
        create: { organizationId: tenant.organizationId, name: spec.name, ...fields },
        update: fields,
      }),
    );
  }

  list(tenant: Tenant): Promise<Schedule[]> {
    return runInTenant(tenant, () => this.db.tenant.schedule.findMany({ orderBy: { name: 'asc' } }));
  }

  /** When the schedule's next run is planned, or null when it has none (ended, or removed meanwhile). */
  async nextRunAt(name: string, tenant: Tenant): Promise<Date | null> {
    const scheduler = await this.queues.tasks.getJobScheduler(schedulerId(tenant.organizationId, name));
    return scheduler?.next ? new Date(scheduler.next) : null;
  }

  /** False when this organization has no schedule of that name. */
  async remove(name: string, tenant: Tenant): Promise<boolean> {
    const removed = await runInTenant(tenant, () => this.db.tenant.schedule.deleteMany({ where: { name } }));
    await this.queues.tasks.removeJobScheduler(schedulerId(tenant.organizationId, name));
    return removed.count > 0;
  }
}

/**
 * A scheduled run's input, with its planned fire time under the schedule's kickoffTimeInput key:
 * the time the scheduler planned the run for, not the time a worker picked it up.
 */
export function inputWithKickoffTime(job: Job<TaskJobData>): unknown {
  const { input, kickoffTimeInput } = job.data;
  if (!kickoffTimeInput || typeof input !== 'object' || input === null) return input;
  // prevMillis is the fire time the job scheduler computed for this job (BullMQ's JobsOptions).
  const planned = job.opts.prevMillis ?? job.timestamp + job.delay;
  return { ...input, [kickoffTimeInput]: new Date(planned).toISOString() };
}
