import { CronExpressionParser } from 'cron-parser';
import type { Job, RepeatOptions } from 'bullmq';
import { PrismaNamespace, runInTenant, type Database, type Schedule, type Tenant } from '@herald/db';
import { AwsCronError, convertAwsCron, looksLikeAwsCron, startOfYear, type ConvertedCron } from './aws-cron';
import { KEEP_COMPLETED_JOBS, KEEP_FAILED_JOBS } from './constants';
import type { HeraldQueues, TaskJobData } from './jobs';
import type { TaskRegistry } from './registry';
import { fireTimesFrom } from './schedule-times';

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
  /** Extra e-mail recipients of each run (`notify.to`), checked by the caller. */
  notifyTo?: string[];
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

/** The spec a stored schedule was made from (its input already parsed by the task's schema). */
function specOf(schedule: Schedule): ScheduleSpec {
  return {
    name: schedule.name,
    task: schedule.task,
    input: schedule.input,
    cron: schedule.cron ?? undefined,
    everyMs: schedule.everyMs ?? undefined,
    timezone: schedule.timezone ?? undefined,
    kickoffTimeInput: schedule.kickoffTimeInput ?? undefined,
    notifyTo: Array.isArray(schedule.notifyTo) ? (schedule.notifyTo as string[]) : undefined,
  };
}

/**
 * A resumed schedule's repeat options: a cron schedule's next fire is its next planned time
 * anyway; a fixed rate would fire at once, so its first run comes one interval after the resume.
 * Either way the fires missed while paused are not made up.
 */
function resumedRepeatOptions(spec: ScheduleSpec): Omit<RepeatOptions, 'key'> {
  const repeat = repeatOptions(spec);
  return spec.everyMs === undefined ? repeat : { ...repeat, startDate: new Date(Date.now() + spec.everyMs) };
}

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

  /** Creates or replaces the job scheduler that makes the schedule's runs, each as `tenant`. */
  private async startScheduler(
    spec: ScheduleSpec,
    input: unknown,
    tenant: Tenant,
    repeat: Omit<RepeatOptions, 'key'> = repeatOptions(spec),
  ): Promise<void> {
    const task = this.registry.get(spec.task);
    const data: TaskJobData = {
      organizationId: tenant.organizationId,
      userId: tenant.userId,
      input,
      scheduleName: spec.name,
      ...(spec.kickoffTimeInput ? { kickoffTimeInput: spec.kickoffTimeInput } : {}),
      ...(spec.notifyTo?.length ? { notifyTo: spec.notifyTo } : {}),
    };
    await this.queues.tasks.upsertJobScheduler(schedulerId(tenant.organizationId, spec.name), repeat, {
      name: spec.task,
      data,
      opts: {
        attempts: task.attempts,
        backoff: task.backoff,
        removeOnComplete: KEEP_COMPLETED_JOBS,
        removeOnFail: KEEP_FAILED_JOBS,
      },
    });
  }

  private find(name: string, tenant: Tenant): Promise<Schedule | null> {
    return runInTenant(tenant, () => this.db.tenant.schedule.findFirst({ where: { name } }));
  }

  /** A replaced schedule that is paused stays paused: its new definition starts on resume. */
  async upsert(spec: ScheduleSpec, tenant: Tenant): Promise<Schedule> {
    const input = validateSchedule(this.registry, spec);
    if (!(await this.find(spec.name, tenant))?.paused) await this.startScheduler(spec, input, tenant);
    const fields = {
      userId: tenant.userId,
      task: spec.task,
      input: input as object,
      cron: spec.cron ?? null,
      everyMs: spec.everyMs ?? null,
      timezone: spec.timezone ?? null,
      kickoffTimeInput: spec.kickoffTimeInput ?? null,
      notifyTo: spec.notifyTo?.length ? spec.notifyTo : PrismaNamespace.DbNull,
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

  /**
   * The schedule's next `count` fire times, from what the queue plans: none while it is paused
   * or when its scheduler plans no more (an AWS year range that has ended).
   */
  async plannedRuns(schedule: Schedule, count = 3): Promise<Date[]> {
    if (schedule.paused) return [];
    const scheduler = await this.queues.tasks.getJobScheduler(
      schedulerId(schedule.organizationId, schedule.name),
    );
    if (!scheduler?.next) return [];
    return fireTimesFrom(new Date(scheduler.next), repeatOptions(specOf(schedule)), count);
  }

  /**
   * Marks the schedule paused, then removes its job scheduler and the run it had planned; a run
   * already queued or running finishes. Null when this organization has no schedule of that name.
   */
  async pause(name: string, tenant: Tenant): Promise<Schedule | null> {
    const schedule = await this.find(name, tenant);
    if (!schedule) return null;
    // The row first: a replace that lands meanwhile sees it paused and starts no scheduler.
    const paused = schedule.paused
      ? schedule
      : await runInTenant(tenant, () =>
          this.db.tenant.schedule.update({ where: { id: schedule.id }, data: { paused: true } }),
        );
    await this.queues.tasks.removeJobScheduler(schedulerId(tenant.organizationId, name));
    return paused;
  }

  /**
   * Starts the job scheduler again from the stored schedule, running as its owner. A schedule
   * that is not paused and has its scheduler is left alone; one that lost it gets it back.
   */
  async resume(name: string, tenant: Tenant): Promise<Schedule | null> {
    const schedule = await this.find(name, tenant);
    if (!schedule) return null;
    const id = schedulerId(tenant.organizationId, name);
    if (!schedule.paused && (await this.queues.tasks.getJobScheduler(id))) return schedule;
    const resumed = schedule.paused
      ? await runInTenant(tenant, () =>
          this.db.tenant.schedule.update({ where: { id: schedule.id }, data: { paused: false } }),
        )
      : schedule;
    const spec = specOf(resumed);
    const owner = { organizationId: resumed.organizationId, userId: resumed.userId };
    await this.startScheduler(spec, resumed.input, owner, resumedRepeatOptions(spec));
    return resumed;
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
