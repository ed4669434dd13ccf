import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import { MAINTENANCE_QUEUE, PRUNE_SCHEDULER_ID, startMaintenance, type QueueStore } from '@herald/core';
import { silentLogger, waitFor } from './support/harness';
import { createTestQueueStore, removeTestQueues } from './support/queue-backend';
import { insertRuns } from './support/ledger-rows';

let testDb: TestDatabase;
let store: QueueStore;
const prefix = `test-${randomUUID()}`;

beforeAll(async () => {
  testDb = await createTestDatabase();
  store = await createTestQueueStore(testDb.url, prefix);
});
afterAll(async () => {
  await removeTestQueues(prefix);
  await store?.close();
  await testDb?.drop();
});

describe('the maintenance queue', () => {
  it('prunes on its job scheduler; two workers share one scheduler and each run goes to one of them', async () => {
    const org = await testDb.db.prisma.organization.create({ data: { name: 'Maintenance Org' } });
    const user = await testDb.db.prisma.user.create({
      data: { organizationId: org.id, email: 'm@maintenance.test' },
    });
    const tenant = { organizationId: org.id, userId: user.id };
    await insertRuns(testDb.db.pool, tenant, { prefix: 'old', count: 50, status: 'succeeded', daysAgo: 40 });
    await insertRuns(testDb.db.pool, tenant, { prefix: 'new', count: 5, status: 'succeeded', daysAgo: 1 });
    const policy = { runRetentionDays: 30, deliveryRetentionDays: 30 };
    const options = { store, pool: testDb.db.pool, logger: silentLogger, policy, everyMs: 300 };
    const [a, b] = await Promise.all([startMaintenance(options), startMaintenance(options)]);
    try {
      await waitFor(
        async () => (await testDb.db.prisma.taskRun.count()) === 5,
        15_000,
        'the scheduled prune',
      );
      const queue = store.queue(MAINTENANCE_QUEUE);
      const schedulers = await queue.getJobSchedulers();
      await queue.close();
      expect(schedulers.map((scheduler) => scheduler.key)).toEqual([PRUNE_SCHEDULER_ID]);
      expect(await testDb.db.prisma.taskRun.count({ where: { id: { startsWith: 'new-' } } })).toBe(5);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
