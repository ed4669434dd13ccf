import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack, type Tenant } from './support/stack';
import { waitFor } from './support/harness';

let stack: Stack;
let acme: Tenant;
let globex: Tenant;

beforeAll(async () => {
  stack = await startStack();
  acme = await stack.createTenant('Acme', 'ada@acme.test');
  globex = await stack.createTenant('Globex', 'hank@globex.test');
});
afterAll(async () => {
  await stack?.close();
});

const json = async (response: Response) => (await response.json()) as any;
const runsOf = (name: string) => stack.testDb.db.prisma.taskRun.findMany({ where: { scheduleName: name } });

describe('schedules', () => {
  it('an everyMs schedule runs repeatedly, each run in the ledger as its owner; deleting it stops it', async () => {
    const created = await stack.call(acme, 'POST', '/api/schedules', {
      name: 'heartbeat',
      task: 'tests.execute',
      input: { testId: 'beat' },
      everyMs: 1_000,
    });
    expect(created.status).toBe(201);
    expect(await json(created)).toMatchObject({ name: 'heartbeat', task: 'tests.execute', everyMs: 1_000, cron: null });

    const runs = await waitFor(
      async () => {
        const found = (await runsOf('heartbeat')).filter((run) => run.status === 'succeeded');
        return found.length >= 3 ? found : null;
      },
      20_000,
      'three scheduled runs',
    );
    expect(runs.every((run) => run.organizationId === acme.organizationId && run.userId === acme.userId)).toBe(true);

    const listed = await json(await stack.call(acme, 'GET', '/api/schedules'));
    expect(listed.data.map((s: any) => s.name)).toEqual(['heartbeat']);
    expect((await json(await stack.call(globex, 'GET', '/api/schedules'))).data).toEqual([]);
    expect((await stack.call(globex, 'DELETE', '/api/schedules/heartbeat')).status).toBe(404);

    expect((await stack.call(acme, 'DELETE', '/api/schedules/heartbeat')).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const settled = (await runsOf('heartbeat')).length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await runsOf('heartbeat')).length).toBe(settled);
    expect((await stack.call(acme, 'DELETE', '/api/schedules/heartbeat')).status).toBe(404);
  });

  it.each([
    [{ cron: '61 * * * *' }, 'cron'],
    [{ cron: '* * *' }, 'cron'],
    [{ everyMs: 10 }, 'everyMs'],
    [{ cron: '0 * * * *', everyMs: 60_000 }, 'cron'],
    [{ cron: '0 9 * * 1', timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    [{}, 'cron'],
  ])('refuses %j with a 400 naming %s', async (timing, field) => {
    const response = await stack.call(acme, 'POST', '/api/schedules', { name: 'bad', task: 'tests.execute', input: { testId: 'x' }, ...timing });
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.error.details[0].field).toBe(field);
    expect(body.error.message.length).toBeGreaterThan(10);
  });

  it('accepts 5- and 6-field cron expressions with a time zone, and checks the input against the task', async () => {
    for (const [name, cron] of [['five', '30 9 * * 1-5'], ['six', '*/10 * * * * *']] as const) {
      const response = await stack.call(acme, 'POST', '/api/schedules', { name, task: 'tests.execute', input: { testId: name }, cron, timezone: 'Europe/Berlin' });
      expect(response.status).toBe(201);
    }
    const badInput = await stack.call(acme, 'POST', '/api/schedules', { name: 'x', task: 'tests.execute', input: { testId: 5 }, everyMs: 60_000 });
    expect((await json(badInput)).error.details[0].field).toBe('input.testId');
    for (const name of ['five', 'six']) expect((await stack.call(acme, 'DELETE', `/api/schedules/${name}`)).status).toBe(204);
  });
});
