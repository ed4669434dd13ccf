import { CronExpressionParser } from 'cron-parser';
import { runInTenant, type Database, type Schedule, type Tenant } from '@herald/db';
import { KEEP_COMPLETED_JOBS, KEEP_FAILED_JOBS } from './constants';
import type { HeraldQueues, TaskJobData } from './jobs';
import type { TaskRegistry } from './registry';

/** Below this, a fixed-rate schedule is a busy loop, not a schedule. */
export const MIN_EVERY_MS = 1_000;
const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface ScheduleSpec {
  name: string;
  task: string;
  input: unknown;
  cron?: string;
  everyMs?: number;
  timezone?: string;
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
    throw new ScheduleError('name', 'expected 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  if ((spec.cron === undefined) === (spec.everyMs === undefined)) {
    throw new ScheduleError('cron', 'give exactly one of cron or everyMs');
  }
  if (spec.timezone) checkTimezone(spec.timezone);
  if (spec.cron !== undefined) {
    const fields = spec.cron.trim().split(/\s+/).length;
    if (fields !== 5 && fields !== 6) throw new ScheduleError('cron', `expected 5 or 6 fields, got ${fields}`);
    try {
      CronExpressionParser.parse(spec.cron, { tz: spec.timezone });
    } catch (error) {
      throw new ScheduleError('cron', (error as Error).message);
    }
  }
  if (spec.everyMs !== undefined && (!Number.isInteger(spec.everyMs) || spec.everyMs < MIN_EVERY_MS)) {
    throw new ScheduleError('everyMs', `expected a whole number of milliseconds >= ${MIN_EVERY_MS}`);
  }
  return registry.parseInput(spec.task, spec.input);
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
    const data: TaskJobData = { ...tenant, input, scheduleName: spec.name };
    await this.queues.tasks.upsertJobScheduler(
      schedulerId(tenant.organizationId, spec.name),
      spec.cron ? { pattern: spec.cron, tz: spec.timezone } : { every: spec.everyMs },
      {
        name: spec.task,
        data,
        opts: { attempts: task.attempts, backoff: task.backoff, removeOnComplete: KEEP_COMPLETED_JOBS, removeOnFail: KEEP_FAILED_JOBS },
      },
    );
    const fields = {
      userId: tenant.userId,
      task: spec.task,
      input: input as object,
      cron: spec.cron ?? null,
      everyMs: spec.everyMs ?? null,
      timezone: spec.timezone ?? null,
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

  /** False when this organization has no schedule of that name. */
  async remove(name: string, tenant: Tenant): Promise<boolean> {
    const removed = await runInTenant(tenant, () => this.db.tenant.schedule.deleteMany({ where: { name } }));
    await this.queues.tasks.removeJobScheduler(schedulerId(tenant.organizationId, name));
    return removed.count > 0;
  }
}
