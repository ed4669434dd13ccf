import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineTask, TaskRegistry } from '@herald/core';
import { TASKS } from '@herald/tasks';
import { startStack, type Stack, type Tenant } from './support/stack';
import { ConsoleClient, signIn } from './support/console-client';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

interface Attempt {
  attempt: number;
  startedAt: string;
  endedAt?: string;
  outcome?: string;
  error?: string;
  nextAttemptAt?: string;
}

// Fails its first two attempts, then succeeds. The first is quick (its start is written with its
// end); the later ones outlast the ledger's start hold, so their starts are written on their own.
const flaky = defineTask({
  name: 'attempts.flaky',
  input: z.object({}),
  attempts: 3,
  backoff: { type: 'fixed', delay: 200 },
  run: async (_input, ctx) => {
    if (ctx.attempt > 1) await new Promise((resolve) => setTimeout(resolve, 150));
    if (ctx.attempt <= 2) throw new Error(`attempt ${ctx.attempt} broke\nsecond line of the message`);
    return { attempt: ctx.attempt };
  },
});

let stack: Stack;
let acme: Tenant;
let globex: Tenant;

async function submit(tenant: Tenant, body: Record<string, unknown>): Promise<string> {
  const submitted = await stack.call(tenant, 'POST', '/api/tasks', body);
  expect(submitted.status).toBe(202);
  return ((await submitted.json()) as { id: string }).id;
}

async function ended(tenant: Tenant, id: string) {
  return vi.waitFor(
    async () => {
      const run = (await (await stack.call(tenant, 'GET', `/api/tasks/${id}`)).json()) as {
        status: string;
        attemptLog?: Attempt[];
      };
      expect(['succeeded', 'failed', 'cancelled']).toContain(run.status);
      return run;
    },
    { timeout: 20_000, interval: 100 },
  );
}

beforeAll(async () => {
  stack = await startStack({ FRONTEND_URL: '' }, { registry: new TaskRegistry([...TASKS, flaky]) });
  acme = await stack.createTenant('Acme', 'ada@acme.test');
  globex = await stack.createTenant('Globex', 'hank@globex.test');
});
afterAll(async () => {
  await stack?.close();
});

describe('the attempts of a run', () => {
  it('are recorded one by one with their times, outcomes and errors, and shown', async () => {
    const id = await submit(acme, { task: 'attempts.flaky', input: {} });
    const run = await ended(acme, id);
    expect(run.status).toBe('succeeded');

    const row = await stack.testDb.db.prisma.taskRun.findUniqueOrThrow({ where: { id } });
    const log = row.attemptLog as unknown as Attempt[];
    expect(log.map((a) => [a.attempt, a.outcome, a.error])).toEqual([
      [1, 'retrying', 'attempt 1 broke'],
      [2, 'retrying', 'attempt 2 broke'],
      [3, 'succeeded', undefined],
    ]);
    const times = log.flatMap((a) => [Date.parse(a.startedAt), Date.parse(a.endedAt!)]);
    expect(times.every((t) => Number.isFinite(t))).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(0);
    expect(Date.parse(log[1]!.startedAt) - Date.parse(log[0]!.endedAt!)).toBeGreaterThanOrEqual(150);
    // The next try was planned after each failure, and happened no earlier.
    for (const [index, attempt] of log.slice(0, 2).entries())
      expect(Date.parse(log[index + 1]!.startedAt)).toBeGreaterThanOrEqual(
        Date.parse(attempt.nextAttemptAt!) - 50,
      );
    expect(Date.parse(log[0]!.startedAt)).toBeGreaterThanOrEqual(row.createdAt.getTime() - 5);
    expect(Date.parse(log[2]!.endedAt!)).toBe(row.finishedAt!.getTime());

    expect(run.attemptLog).toEqual(log);

    const browser = new ConsoleClient(stack.api.url);
    await signIn(browser, stack.inbox, acme.email);
    const page = await browser.get(`/app/runs/${id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const shown = (iso: string) => `<time>${iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</time>`;
    for (const attempt of log) {
      expect(html).toContain(
        `<strong>Attempt ${attempt.attempt} started</strong> ${shown(attempt.startedAt)}`,
      );
    }
    const retryAt = (attempt: Attempt) => attempt.nextAttemptAt!.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
    expect(html).toContain(
      `<strong>Attempt 1 failed</strong> ${shown(log[0]!.endedAt!)} — attempt 1 broke, retry at ${retryAt(log[0]!)}`,
    );
    expect(html).toContain(
      `<strong>Attempt 2 failed</strong> ${shown(log[1]!.endedAt!)} — attempt 2 broke, retry at ${retryAt(log[1]!)}`,
    );
    expect(html).toContain(`<strong>Ended: succeeded</strong> ${shown(log[2]!.endedAt!)}`);
    expect(html).not.toContain('second line of the message');
    expect(html.indexOf('Attempt 1 started')).toBeLessThan(html.indexOf('Attempt 2 started'));
    expect(html.indexOf('Attempt 2 started')).toBeLessThan(html.indexOf('Attempt 3 started'));

    // Another organization's run is not found, in the API and in the console.
    const other = await submit(globex, { task: 'attempts.flaky', input: {} });
    expect((await stack.call(acme, 'GET', `/api/tasks/${other}`)).status).toBe(404);
    expect((await browser.get(`/app/runs/${other}`)).status).toBe(404);
    expect((await ended(globex, other)).attemptLog).toHaveLength(3);
  });

  it('are completed for a task with an alert policy, whose end is written apart', async () => {
    const id = await submit(acme, {
      task: 'monitoring.check',
      input: { target: 'db.internal', healthy: false },
    });
    const run = await ended(acme, id);
    expect(run.status).toBe('failed');
    expect(run.attemptLog?.map((a) => [a.attempt, a.outcome, a.error])).toEqual([
      [1, 'failed', 'db.internal did not answer'],
    ]);
    expect(run.attemptLog?.[0]?.endedAt).toBeDefined();
  });

  it('are none for a run cancelled before it started', async () => {
    const id = await submit(acme, { task: 'attempts.flaky', input: {}, options: { delay: 60_000 } });
    expect((await stack.call(acme, 'POST', `/api/tasks/${id}/cancel`)).status).toBeLessThan(300);
    const run = await ended(acme, id);
    expect(run.status).toBe('cancelled');
    expect(run.attemptLog).toBeUndefined();
  });
});
