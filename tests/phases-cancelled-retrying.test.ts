import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask, emailNotification, onRetry, TaskRegistry, type StateChange } from '@herald/core';
import { TASKS } from '@herald/tasks';
import { startStack, type Stack, type Tenant } from './support/stack';
import { waitFor, waitForRunEnd } from './support/harness';

const slow = emailNotification({
  template: 'task-completion',
  subject: 'Stopped: {{task_name}} {{status}}',
  on: ['cancelled'],
})(
  defineTask({
    name: 'phases.slow',
    input: z.object({ sleepMs: z.number().int().min(0) }),
    run: async (input, ctx) => {
      await sleep(input.sleepMs, undefined, { signal: ctx.signal });
      return { slept: input.sleepMs };
    },
  }),
);

const retries: StateChange[] = [];
const flaky = onRetry((change) => {
  retries.push(change);
})(
  emailNotification({
    template: 'task-completion',
    subject: 'Retrying: {{task_name}} attempt failed',
    on: ['retrying'],
  })(
    defineTask({
      name: 'phases.flaky',
      input: z.object({ failAttempts: z.number().int().min(0) }),
      attempts: 3,
      backoff: { type: 'fixed', delay: 200 },
      run: async (input, ctx) => {
        if (ctx.attempt <= input.failAttempts) throw new Error(`attempt ${ctx.attempt} failed`);
        return { attempt: ctx.attempt };
      },
    }),
  ),
);

let stack: Stack;
let acme: Tenant;

beforeAll(async () => {
  stack = await startStack({}, { registry: new TaskRegistry([...TASKS, slow, flaky]) });
  acme = await stack.createTenant('Acme', 'ada@acme.test');
});
afterAll(async () => {
  await stack?.close();
});

const client = () => stack.api.ctx.client;
const deliveriesOf = (runId: string) =>
  stack.testDb.db.prisma.notificationDelivery.findMany({ where: { runId }, orderBy: { createdAt: 'asc' } });
const mailsOf = (runId: string) => stack.inbox.messages.filter((m) => m.text.includes(runId));

/** Waits for the run's deliveries to be sent and for as many mails to have arrived. */
async function waitForSent(runId: string, count: number) {
  const rows = await waitFor(
    async () => {
      const found = await deliveriesOf(runId);
      return found.length === count && found.every((d) => d.status === 'sent') ? found : null;
    },
    20_000,
    `${count} sent deliveries of ${runId}`,
  );
  const mails = await waitFor(
    async () => mailsOf(runId).length >= count && mailsOf(runId),
    10_000,
    `${count} mails of ${runId}`,
  );
  return { rows, mails };
}

describe('the cancelled phase', () => {
  it('a run cancelled while queued sends its cancelled notification', async () => {
    const { id } = await client().enqueue('phases.slow', { sleepMs: 0 }, acme, { delay: 60_000 });
    expect(await client().cancel(id, acme)).toBe('cancelled');
    expect((await waitForRunEnd({ testDb: stack.testDb } as never, id)).status).toBe('cancelled');

    const { rows, mails } = await waitForSent(id, 1);
    expect(rows[0]).toMatchObject({ channel: 'email', phase: 'cancelled', recipient: acme.userId });
    expect(mails[0]!.to).toEqual(['ada@acme.test']);
    expect(mails[0]!.subject).toBe('Stopped: phases.slow cancelled');
  });

  it('a run cancelled while running sends its cancelled notification', async () => {
    const { id } = await client().enqueue('phases.slow', { sleepMs: 30_000 }, acme);
    await waitFor(
      async () => (await stack.testDb.db.prisma.taskRun.findUnique({ where: { id } }))?.status === 'running',
      10_000,
      'the run to start',
    );
    expect(await client().cancel(id, acme)).toBe('cancelling');
    expect((await waitForRunEnd({ testDb: stack.testDb } as never, id, 10_000)).status).toBe('cancelled');

    const { rows, mails } = await waitForSent(id, 1);
    expect(rows[0]).toMatchObject({ channel: 'email', phase: 'cancelled', recipient: acme.userId });
    expect(mails[0]!.to).toEqual(['ada@acme.test']);
    expect(mails[0]!.subject).toBe('Stopped: phases.slow cancelled');
  });
});

describe('the retrying phase', () => {
  it('sends one notification per retry and calls onRetry with the next attempt’s time', async () => {
    const before = Date.now();
    const { id } = await client().enqueue('phases.flaky', { failAttempts: 2 }, acme);
    expect((await waitForRunEnd({ testDb: stack.testDb } as never, id)).status).toBe('succeeded');

    const { rows, mails } = await waitForSent(id, 2);
    expect(rows.map((d) => [d.phase, d.channel, d.recipient])).toEqual([
      ['retrying', 'email', acme.userId],
      ['retrying', 'email', acme.userId],
    ]);
    expect(rows.map((d) => d.idempotencyKey.split(':')[1]).sort()).toEqual(['retrying#1', 'retrying#2']);
    expect(mails.map((m) => [m.to, m.subject])).toEqual([
      [['ada@acme.test'], 'Retrying: phases.flaky attempt failed'],
      [['ada@acme.test'], 'Retrying: phases.flaky attempt failed'],
    ]);

    const calls = retries.filter((change) => change.runId === id);
    expect(calls.map((change) => [change.attempt, change.error?.message])).toEqual([
      [1, 'attempt 1 failed'],
      [2, 'attempt 2 failed'],
    ]);
    for (const change of calls) {
      const planned = Date.parse(change.nextAttemptAt!);
      expect(planned).toBeGreaterThanOrEqual(before);
      expect(planned).toBeLessThan(Date.now() + 1_000);
    }
  });
});
