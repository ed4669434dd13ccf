import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createUser } from '@herald/db';
import { startStack, type Stack, type Tenant } from './support/stack';
import { waitFor } from './support/harness';
import { ConsoleClient, signIn } from './support/console-client';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

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
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const runCount = (name: string) => stack.testDb.db.prisma.taskRun.count({ where: { scheduleName: name } });
const viewOf = async (tenant: Tenant, name: string) =>
  (await json(await stack.call(tenant, 'GET', '/api/schedules'))).data.find((s: any) => s.name === name);
const create = (tenant: Tenant, name: string, timing: Record<string, unknown>) =>
  stack.call(tenant, 'POST', '/api/schedules', {
    name,
    task: 'tests.execute',
    input: { testId: name },
    ...timing,
  });
/** Hour, minute and weekday of an instant in a time zone, e.g. "Mon 09:00". */
const localTime = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit' })
    .format(new Date(iso))
    .replace(',', '');

describe('pausing and resuming a schedule', () => {
  it('a paused fixed-rate schedule makes no runs; resumed, it runs again without making up missed fires', async () => {
    expect((await create(acme, 'pulse', { everyMs: 1_000 })).status).toBe(201);
    await waitFor(async () => (await runCount('pulse')) >= 2, 15_000, 'two scheduled runs');

    const active = await viewOf(acme, 'pulse');
    expect(active.paused).toBe(false);
    expect(active.nextRuns).toHaveLength(3);
    const times = active.nextRuns.map((at: string) => Date.parse(at));
    expect([times[1] - times[0], times[2] - times[1]]).toEqual([1_000, 1_000]);
    expect(active.nextRunAt).toBe(active.nextRuns[0]);

    const paused = await stack.call(acme, 'POST', '/api/schedules/pulse/pause');
    expect(paused.status).toBe(200);
    const pausedView = await json(paused);
    expect(pausedView).toMatchObject({ name: 'pulse', paused: true, nextRunAt: null, nextRuns: [] });
    const again = await stack.call(acme, 'POST', '/api/schedules/pulse/pause');
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual(pausedView);
    expect(await viewOf(acme, 'pulse')).toEqual(pausedView);

    // A run already queued when the pause landed may still finish; after that, nothing.
    await sleep(1_500);
    const settled = await runCount('pulse');
    await sleep(4_000);
    expect(await runCount('pulse')).toBe(settled);

    const resumedAt = Date.now();
    const resumed = await stack.call(acme, 'POST', '/api/schedules/pulse/resume');
    expect(resumed.status).toBe(200);
    const resumedView = await json(resumed);
    expect(resumedView).toMatchObject({ paused: false });
    expect(resumedView.nextRuns).toHaveLength(3);
    expect(Date.parse(resumedView.nextRunAt)).toBeGreaterThanOrEqual(resumedAt + 900);
    const resumedAgain = await json(await stack.call(acme, 'POST', '/api/schedules/pulse/resume'));
    expect(resumedAgain.nextRuns).toEqual(resumedView.nextRuns);

    await waitFor(async () => (await runCount('pulse')) > settled, 10_000, 'a run after resuming');
    // Five fires were missed while paused; a burst would bring them all at once.
    await sleep(2_000);
    expect((await runCount('pulse')) - settled).toBeLessThanOrEqual(3);
    expect((await stack.call(acme, 'DELETE', '/api/schedules/pulse')).status).toBe(204);
  });

  it("is a 404 for another organization's schedule and for an unknown name", async () => {
    expect((await create(acme, 'mine', { cron: '0 3 * * *' })).status).toBe(201);
    for (const action of ['pause', 'resume']) {
      expect((await stack.call(globex, 'POST', `/api/schedules/mine/${action}`)).status).toBe(404);
      const unknown = await stack.call(acme, 'POST', `/api/schedules/nope/${action}`);
      expect(unknown.status).toBe(404);
      expect((await json(unknown)).error.code).toBe('not_found');
    }
    expect((await viewOf(acme, 'mine')).paused).toBe(false);
    expect((await stack.call(acme, 'DELETE', '/api/schedules/mine')).status).toBe(204);
  });

  it('shows the next cron fire times in the time zone; a replaced paused schedule stays paused', async () => {
    const created = await json(
      await create(acme, 'weekdays', { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' }),
    );
    expect(created.nextRuns).toHaveLength(3);
    expect(created.nextRunAt).toBe(created.nextRuns[0]);
    for (const at of created.nextRuns)
      expect(localTime(at, 'Europe/Berlin')).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);

    expect((await stack.call(acme, 'POST', '/api/schedules/weekdays/pause')).status).toBe(200);
    const replaced = await create(acme, 'weekdays', { cron: '30 8 * * 1-5', timezone: 'Europe/Berlin' });
    expect(await json(replaced)).toMatchObject({
      cron: '30 8 * * 1-5',
      paused: true,
      nextRunAt: null,
      nextRuns: [],
    });

    const resumed = await json(await stack.call(acme, 'POST', '/api/schedules/weekdays/resume'));
    expect(resumed.nextRuns).toHaveLength(3);
    for (const at of resumed.nextRuns)
      expect(localTime(at, 'Europe/Berlin')).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 08:30$/);
    expect((await stack.call(acme, 'DELETE', '/api/schedules/weekdays')).status).toBe(204);
  });

  it('keeps an AWS cron schedule to its years across a pause', async () => {
    const created = await json(await create(acme, 'in-2031', { cron: '0 12 * * ? 2031' }));
    const expected = ['2031-01-01T12:00:00.000Z', '2031-01-02T12:00:00.000Z', '2031-01-03T12:00:00.000Z'];
    expect(created.nextRuns).toEqual(expected);
    expect((await stack.call(acme, 'POST', '/api/schedules/in-2031/pause')).status).toBe(200);
    expect((await json(await stack.call(acme, 'POST', '/api/schedules/in-2031/resume'))).nextRuns).toEqual(
      expected,
    );
    expect((await stack.call(acme, 'DELETE', '/api/schedules/in-2031')).status).toBe(204);
  });
});

describe('pausing and resuming in the console', () => {
  it("pauses and resumes through CSRF-protected forms; another organization's schedule is a 404 page", async () => {
    expect((await create(acme, 'nightly', { cron: '0 3 * * *' })).status).toBe(201);
    expect((await create(globex, 'theirs', { cron: '0 3 * * *' })).status).toBe(201);
    await createUser(stack.testDb.db, { organizationId: acme.organizationId, email: 'ops@acme.test' });
    const browser = new ConsoleClient(stack.api.url);
    await signIn(browser, stack.inbox, 'ops@acme.test');

    const before = await (await browser.get('/app/schedules')).text();
    expect(before).toContain('Active');
    expect(before).toContain('action="/app/schedules/nightly/pause"');
    const csrf = await browser.csrf('/app/schedules');

    expect((await browser.post('/app/schedules/nightly/pause', {})).status).toBe(403);
    expect((await viewOf(acme, 'nightly')).paused).toBe(false);
    const pause = await browser.post('/app/schedules/nightly/pause', { _csrf: csrf });
    expect(pause.status).toBe(303);
    expect(pause.headers.get('location')).toBe('/app/schedules');
    expect(await viewOf(acme, 'nightly')).toMatchObject({ paused: true, nextRuns: [] });
    const after = await (await browser.get('/app/schedules')).text();
    expect(after).toContain('Paused');
    expect(after).toContain('action="/app/schedules/nightly/resume"');

    const theirs = await browser.post('/app/schedules/theirs/pause', { _csrf: csrf });
    expect(theirs.status).toBe(404);
    expect(await theirs.text()).toContain('Schedule not found');
    expect((await viewOf(globex, 'theirs')).paused).toBe(false);

    expect((await browser.post('/app/schedules/nightly/resume', { _csrf: csrf })).status).toBe(303);
    expect((await viewOf(acme, 'nightly')).paused).toBe(false);
    expect((await viewOf(acme, 'nightly')).nextRuns).toHaveLength(3);
  });
});
