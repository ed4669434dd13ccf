import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRunSweep, defineTask, emailNotification } from '@herald/core';
import { createHarness, waitForRunEnd, type Harness } from './support/harness';

const wrapped = emailNotification({ template: 'task-completion', subject: 'Done: {{task_name}}' })(
  defineTask({ name: 'test.swept', input: z.object({}), run: async () => ({ ok: true }) }),
);

let h: Harness;

beforeAll(async () => {
  h = await createHarness([wrapped]);
});
afterAll(async () => {
  await h?.close();
});

const tenant = () => ({ organizationId: h.org.id, userId: h.user.id });

/** A run the ledger holds as queued, last touched `agoMs` ago, whose job is not in Redis. */
async function insertRunWithoutJob(id: string, agoMs: number) {
  await h.ledger.insertQueued([{ id, ...tenant(), task: wrapped.name, input: {}, maxAttempts: 1 }]);
  await h.testDb.db.pool.query(
    `UPDATE "TaskRun" SET "updatedAt" = now() - ($2::int * interval '1 millisecond') WHERE id = $1`,
    [id, agoMs],
  );
}

describe('the run sweep', () => {
  it('ends a run whose job is gone as failed, and its owner gets the failure notice', async () => {
    await insertRunWithoutJob('lost-run', 5 * 60_000);
    const worker = h.startWorker({ sweepIntervalMs: 100 });
    const run = await waitForRunEnd(h, 'lost-run');
    await worker.close(1_000);
    expect(run).toMatchObject({ status: 'failed', error: { name: 'LostRunError' } });
    const deliveries = await h.testDb.db.prisma.notificationDelivery.findMany({
      where: { runId: 'lost-run' },
    });
    expect(deliveries.map((d) => [d.phase, d.status])).toEqual([['failed', 'pending']]);
  });

  it('leaves alone a recent run, and an old one whose job is still waiting (delayed)', async () => {
    await insertRunWithoutJob('recent-run', 1_000);
    const { id: delayed } = await h.client.enqueue(wrapped.name, {}, tenant(), { delay: 3_600_000 });
    await h.testDb.db.pool.query(
      `UPDATE "TaskRun" SET "updatedAt" = now() - interval '1 hour' WHERE id = $1`,
      [delayed],
    );
    const lost: string[] = [];
    const sweep = createRunSweep(h.testDb.db.pool, h.queues.tasks, {
      onFailed: () => Promise.resolve(),
      onLost: (run) => Promise.resolve(lost.push(run.id)),
    });
    await sweep();
    expect(lost).toEqual([]);
  });

  it('walks a page at a time and comes round: a lost run behind a page of delayed ones is found', async () => {
    for (let i = 0; i < 3; i++) {
      const { id } = await h.client.enqueue(wrapped.name, {}, tenant(), { delay: 3_600_000 });
      await h.testDb.db.pool.query(
        `UPDATE "TaskRun" SET "updatedAt" = now() - interval '2 hours' WHERE id = $1`,
        [id],
      );
    }
    await insertRunWithoutJob('lost-behind', 60 * 60_000);
    const lost: string[] = [];
    const sweep = createRunSweep(
      h.testDb.db.pool,
      h.queues.tasks,
      { onFailed: () => Promise.resolve(), onLost: (run) => Promise.resolve(lost.push(run.id)) },
      { limit: 2 },
    );
    for (let page = 0; page < 4 && !lost.length; page++) await sweep();
    expect(lost).toEqual(['lost-behind']);
  });
});
