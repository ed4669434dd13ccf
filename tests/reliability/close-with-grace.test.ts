import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { closeWithGrace } from '@herald/core';
import { deleteKeys, redisUrl } from '../support/harness';
import { describeOnRedis } from '../support/queue-backend';

const prefix = `reliability-${randomUUID()}`;
const connection = new Redis(redisUrl(), { maxRetriesPerRequest: null });
afterAll(async () => {
  await deleteKeys(connection, prefix);
  connection.disconnect();
});

describeOnRedis('closeWithGrace', () => {
  it('stops waiting for a job that outlasts the grace period', async () => {
    const queue = new Queue('grace', { connection, prefix });
    let isJobDone = false;
    const worker = new Worker(
      'grace',
      async () => {
        await sleep(8_000);
        isJobDone = true;
      },
      { connection, prefix },
    );
    await queue.add('long', {});
    for (let i = 0; i < 100 && !(await queue.getActiveCount()); i++) await sleep(50);
    expect(await queue.getActiveCount()).toBe(1);

    await closeWithGrace(worker, 500);
    // The stop came back at the end of the grace period, not when the job was done.
    expect(isJobDone).toBe(false);
    await queue.close();
  }, 30_000);
});
