import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  BUILTIN_TASKS,
  defineTask,
  emailNotification,
  onFailure,
  onStateChange,
  onSuccess,
  NOTIFICATIONS_QUEUE,
} from '@herald/core';
import { createHarness, waitFor, waitForRunEnd, type Harness } from './support/harness';

const events: string[] = [];

const flaky = emailNotification({ template: 'task-completion', subject: 'Done: {{task_name}}' })(
  defineTask({
    name: 'test.flaky',
    input: z.object({ failTimes: z.number().int(), tag: z.string() }),
    attempts: 3,
    backoff: { type: 'fixed', delay: 50 },
    run: async (input, ctx) => {
      if (ctx.attempt <= input.failTimes) throw new Error(`boom on attempt ${ctx.attempt}`);
      return { tag: input.tag, attempt: ctx.attempt, org: ctx.tenant.organizationId };
    },
  }),
);

const silent = defineTask({ name: 'test.silent', input: z.object({}), run: async () => ({ ok: true }) });

const slow = emailNotification({ template: 'task-completion', subject: 'x', on: ['cancelled', 'timed_out'] })(
  defineTask({
    name: 'test.slow',
    input: z.object({ ms: z.number() }),
    timeoutMs: 400,
    run: async (input, ctx) => {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, input.ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          events.push(`aborted:${(ctx.signal.reason as Error).name}`);
          reject(ctx.signal.reason as Error);
        });
      });
      return {};
    },
  }),
);

const handled = onFailure(() => {
  events.push('onFailure');
})(
  onSuccess(() => {
    throw new Error('a broken handler');
  })(
    onStateChange((_task, from, to) => {
      events.push(`${from}->${to}`);
    })(
      defineTask({
        name: 'test.handled',
        input: z.object({ fail: z.boolean() }),
        run: async (input) => {
          if (input.fail) throw new Error('nope');
          return { fine: true };
        },
      }),
    ),
  ),
);

let h: Harness;

beforeAll(async () => {
  h = await createHarness([...BUILTIN_TASKS, flaky, silent, slow, handled]);
  h.startWorker({ concurrency: 20 });
});
afterAll(async () => {
  await h?.close();
});

const tenant = () => ({ organizationId: h.org.id, userId: h.user.id });
const deliveriesOf = (runId: string) =>
  h.testDb.db.prisma.notificationDelivery.findMany({ where: { runId } });

describe('the task runtime', () => {
  it('a wrapped task that succeeds writes exactly one pending delivery and enqueues it', async () => {
    const { id } = await h.client.enqueue('test.flaky', { failTimes: 0, tag: 'a' }, tenant());
    const run = await waitForRunEnd(h, id);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 1, result: { tag: 'a', org: h.org.id } });
    const deliveries = await deliveriesOf(id);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      status: 'pending',
      phase: 'succeeded',
      recipient: h.user.id,
      channel: 'email',
    });
    const job = await h.queues.notifications.getJob(deliveries[0]!.id);
    expect(job?.queueName).toBe(NOTIFICATIONS_QUEUE);
    // The job carries the channel: the notification worker routes it without reading the row.
    expect(job?.data).toEqual({ deliveryId: deliveries[0]!.id, channel: 'email' });
  });

  it('fails twice then succeeds on attempt 3: one delivery, for the success', async () => {
    const { id } = await h.client.enqueue('test.flaky', { failTimes: 2, tag: 'b' }, tenant());
    const run = await waitForRunEnd(h, id);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 3 });
    const deliveries = await deliveriesOf(id);
    expect(deliveries.map((d) => d.phase)).toEqual(['succeeded']);
  });

  it('fails every attempt: one delivery, phase failed, with the error in the ledger', async () => {
    const { id } = await h.client.enqueue('test.flaky', { failTimes: 5, tag: 'c' }, tenant());
    const run = await waitForRunEnd(h, id);
    expect(run).toMatchObject({ status: 'failed', attempts: 3, error: { message: 'boom on attempt 3' } });
    expect((await deliveriesOf(id)).map((d) => d.phase)).toEqual(['failed']);
  });

  it('a task without the wrapper writes no delivery at all', async () => {
    const { id } = await h.client.enqueue('test.silent', {}, tenant());
    await waitForRunEnd(h, id);
    expect(await deliveriesOf(id)).toHaveLength(0);
  });

  it('rejects invalid input when enqueued, naming the field', async () => {
    await expect(h.client.enqueue('test.flaky', { failTimes: 'x', tag: 'd' }, tenant())).rejects.toThrow(
      /failTimes: Invalid input: expected number/,
    );
    await expect(h.client.enqueue('no.such.task', {}, tenant())).rejects.toThrow(
      /Unknown task "no.such.task"/,
    );
  });

  it('invalid input reaching the worker fails the run at once, without retries, with the issues', async () => {
    const id = 'bad-input-run';
    await h.ledger.insertQueued([{ id, ...tenant(), task: 'test.flaky', input: { tag: 1 }, maxAttempts: 3 }]);
    await h.queues.tasks.add('test.flaky', { ...tenant(), input: { tag: 1 } }, { jobId: id, attempts: 3 });
    const run = await waitForRunEnd(h, id);
    expect(run.status).toBe('failed');
    expect(run.attempts).toBe(1);
    expect(run.error).toMatchObject({
      issues: expect.arrayContaining([expect.objectContaining({ path: 'failTimes' })]),
    });
  });

  it('a chord of 10 with 2 failures runs the callback once with every outcome, and one delivery', async () => {
    const children = Array.from({ length: 10 }, (_, i) => ({
      task: 'tests.execute',
      input: { testId: `t${i}`, name: `Test ${i}`, outcome: i === 3 || i === 7 ? 'fail' : 'pass' },
    }));
    const chord = await h.client.chord(
      children,
      { task: 'tests.collect_results', input: { test_set_name: 'Smoke' } },
      tenant(),
    );
    expect(chord.children).toHaveLength(10);
    const run = await waitForRunEnd(h, chord.id, 30_000);
    expect(run.status).toBe('succeeded');
    expect(run.result).toMatchObject({
      total_tests: 10,
      tests_passed: 8,
      tests_failed: 2,
      test_set_name: 'Smoke',
      failed_tests: ['Test 3', 'Test 7'],
    });
    const all = await h.testDb.db.prisma.notificationDelivery.findMany({
      where: { runId: { in: [chord.id, ...chord.children] } },
    });
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ runId: chord.id, template: 'test-execution-summary' });
    const childRuns = await h.testDb.db.prisma.taskRun.findMany({ where: { parentId: chord.id } });
    expect(childRuns.filter((r) => r.status === 'failed')).toHaveLength(2);
  });

  it('a timeout ends the run as timed_out with its AbortSignal fired', async () => {
    const { id } = await h.client.enqueue('test.slow', { ms: 10_000 }, tenant());
    const run = await waitForRunEnd(h, id);
    expect(run.status).toBe('timed_out');
    expect(events).toContain('aborted:RunTimeoutError');
    expect((await deliveriesOf(id)).map((d) => d.phase)).toEqual(['timed_out']);
  });

  it('cancel ends a running run as cancelled with its AbortSignal fired, and a queued one at once', async () => {
    // timeoutMs is 400: cancel well before it.
    const { id } = await h.client.enqueue('test.slow', { ms: 10_000 }, tenant());
    await waitFor(async () => (await h.queues.tasks.getJob(id))?.isActive(), 5_000, 'run to start');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await h.client.cancel(id, tenant())).toBe('cancelling');
    const run = await waitForRunEnd(h, id);
    expect(run.status).toBe('cancelled');
    expect(events).toContain('aborted:RunCancelledError');

    const delayed = await h.client.enqueue('test.silent', {}, tenant(), { delay: 60_000 });
    expect(await h.client.cancel(delayed.id, tenant())).toBe('cancelled');
    expect((await waitForRunEnd(h, delayed.id)).status).toBe('cancelled');
    expect(await h.client.cancel(delayed.id, { organizationId: 'another-org', userId: 'x' })).toBe(
      'not-found',
    );
  });

  it('calls state handlers in order; a throwing handler does not fail the run', async () => {
    events.length = 0;
    const ok = await h.client.enqueue('test.handled', { fail: false }, tenant());
    expect((await waitForRunEnd(h, ok.id)).status).toBe('succeeded');
    const bad = await h.client.enqueue('test.handled', { fail: true }, tenant());
    expect((await waitForRunEnd(h, bad.id)).status).toBe('failed');
    await waitFor(async () => events.includes('onFailure'), 2_000, 'onFailure');
    expect(events).toEqual([
      'queued->running',
      'running->succeeded',
      'queued->running',
      'running->failed',
      'onFailure',
    ]);
  });
});
