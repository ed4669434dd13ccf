import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack, type Tenant } from './support/stack';
import { waitFor } from './support/harness';

let stack: Stack;
let acme: Tenant;
let globex: Tenant;
let tasks: Queue;

beforeAll(async () => {
  stack = await startStack();
  acme = await stack.createTenant('Acme', 'ada@acme.test');
  globex = await stack.createTenant('Globex', 'hank@globex.test');
  tasks = stack.api.ctx.queues.tasks;
});
afterAll(async () => {
  await stack?.close();
});

const json = async (response: Response) => (await response.json()) as any;
/** The next 10:00 in a time zone whose offset is whole hours. */
function nextTen(timeZone: string): string {
  const hourOf = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' });
  let at = Math.floor(Date.now() / 3_600_000 + 1) * 3_600_000;
  while (hourOf.format(at) !== '10') at += 3_600_000;
  return new Date(at).toISOString();
}

/** Runs the schedule's waiting job now, as if its time had come. */
async function fireNow(scheduleName: string, organizationId: string) {
  const job = await waitFor(
    async () =>
      (await tasks.getDelayed()).find((j) => j.repeatJobKey === `${organizationId}:${scheduleName}`) ?? null,
    10_000,
    `the delayed job of ${scheduleName}`,
  );
  await job.promote();
  return job;
}

describe('schedules in AWS cron syntax, with the planned time in the run', () => {
  it('fires "0 10 * * ? *" at 10:00 in its time zone, and the run sees its planned time, not the time it ran', async () => {
    const created = await stack.call(acme, 'POST', '/api/schedules', {
      name: 'nightly-ny',
      task: 'tests.execute',
      input: { testId: 'nightly' },
      cron: '0 10 * * ? *',
      timezone: 'America/New_York',
      kickoffTimeInput: 'run_date',
    });
    expect(created.status).toBe(201);
    const body = await json(created);
    const planned = nextTen('America/New_York');
    expect(body).toMatchObject({
      cron: '0 10 * * ? *',
      timezone: 'America/New_York',
      kickoffTimeInput: 'run_date',
      nextRunAt: planned,
    });
    expect(new Date(planned).getUTCHours()).toBeOneOf([14, 15]); // 10:00 in New York is 14:00 or 15:00 UTC

    const listed = await json(await stack.call(acme, 'GET', '/api/schedules'));
    expect(listed.data).toEqual([expect.objectContaining({ name: 'nightly-ny', nextRunAt: planned })]);
    expect((await json(await stack.call(globex, 'GET', '/api/schedules'))).data).toEqual([]);

    await fireNow('nightly-ny', acme.organizationId);
    const run = await waitFor(
      async () =>
        (
          await stack.testDb.db.prisma.taskRun.findMany({
            where: { scheduleName: 'nightly-ny', status: 'succeeded' },
          })
        )[0] ?? null,
      15_000,
      'the scheduled run',
    );
    expect(run.input).toMatchObject({ testId: 'nightly', run_date: planned });
    expect(run.organizationId).toBe(acme.organizationId);

    const followed = await json(await stack.call(acme, 'GET', `/api/tasks/${run.id}`));
    expect(followed.input).toMatchObject({ testId: 'nightly', run_date: planned });
    expect((await stack.call(globex, 'GET', `/api/tasks/${run.id}`)).status).toBe(404);
    expect((await stack.call(acme, 'DELETE', '/api/schedules/nightly-ny')).status).toBe(204);
  });

  it('limits a schedule to the years an AWS expression names, and takes cronSyntax: "aws" explicitly', async () => {
    const created = await stack.call(acme, 'POST', '/api/schedules', {
      name: 'in-2031',
      task: 'tests.execute',
      input: { testId: 'later' },
      cron: '30 6 1 * ? 2031',
      cronSyntax: 'aws',
      timezone: 'Europe/Berlin',
    });
    expect(created.status).toBe(201);
    expect((await json(created)).nextRunAt).toBe('2031-01-01T05:30:00.000Z');
    expect((await stack.call(acme, 'DELETE', '/api/schedules/in-2031')).status).toBe(204);
  });

  it.each([
    [
      { cron: '0 10 * * * *', cronSyntax: 'aws' },
      'cron',
      /AWS syntax: exactly one of day-of-month and day-of-week/,
    ],
    [{ cron: '0 10 ? * 9 *' }, 'cron', /AWS syntax: day-of-week/],
    [{ cron: '0 10 * * ? *', kickoffTimeInput: '1st' }, 'kickoffTimeInput', /input key/],
    [{ cron: '0 10 * * ? *', cronSyntax: 'quartz' }, 'cronSyntax', /./],
  ])('refuses %j with a 400 naming %s', async (timing, field, message) => {
    const response = await stack.call(acme, 'POST', '/api/schedules', {
      name: 'bad',
      task: 'tests.execute',
      input: { testId: 'x' },
      ...timing,
    });
    expect(response.status).toBe(400);
    const { error } = await json(response);
    expect(error.details[0].field).toBe(field);
    expect(error.details[0].message + error.message).toMatch(message);
  });
});
