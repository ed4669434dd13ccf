import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import {
  dayRangeOf,
  ensureLedgerPartitions,
  listRunPartitions,
  newRunId,
  planPrune,
  pruneLedger,
  startMaintenance,
  uuidv7Time,
  type QueueStore,
} from '@herald/core';
import { silentLogger, waitFor } from './support/harness';
import { createTestQueueStore, removeTestQueues } from './support/queue-backend';
import { countLedger, insertDeliveries, readLedgerCounts } from './support/ledger-rows';

const DAY_MS = 86_400_000;
let testDb: TestDatabase;
let store: QueueStore;
let tenant: { organizationId: string; userId: string };
const prefix = `test-${randomUUID()}`;
const policy = { runRetentionDays: 30, deliveryRetentionDays: 30 };
const pool = () => testDb.db.pool;

/** A UUIDv7 made `daysAgo` days ago, at noon UTC of that day (far from its partition's edges). */
function runIdDaysAgo(daysAgo: number): string {
  const ms = dayRangeOf(Date.now() - daysAgo * DAY_MS).startMs + DAY_MS / 2;
  const hex = ms.toString(16).padStart(12, '0');
  const tail = randomBytes(9).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8)}-7${tail.slice(0, 3)}-8${tail.slice(3, 6)}-${tail.slice(6, 18)}`;
}
const suffixDaysAgo = (daysAgo: number) => dayRangeOf(Date.now() - daysAgo * DAY_MS).suffix;

async function insertRunsWithIds(ids: string[], status: string, daysAgo: number): Promise<string[]> {
  await pool().query(
    `INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status, "createdAt", "updatedAt", "finishedAt")
     SELECT id, $2, $3, 'tests.execute', '{}', $4::"RunStatus", now() - $5::int * interval '1 day', now() - $5::int * interval '1 day',
       CASE WHEN $4 IN ('succeeded', 'failed', 'timed_out', 'cancelled') THEN now() - $5::int * interval '1 day' END
     FROM unnest($1::text[]) AS id`,
    [ids, tenant.organizationId, tenant.userId, status, daysAgo],
  );
  return ids;
}

/** The partition (schema-qualified table) each row of `table` is stored in, by id. */
async function partitionsOf(table: 'TaskRun' | 'NotificationDelivery'): Promise<Record<string, string>> {
  const key = table === 'TaskRun' ? 'id' : '"runId"';
  const { rows } = await pool().query<{ key: string; part: string }>(
    `SELECT ${key} AS key, tableoid::regclass::text AS part FROM "${table}"`,
  );
  return Object.fromEntries(rows.map((row) => [row.key, row.part]));
}
const suffixes = async () => (await listRunPartitions(pool())).map((partition) => partition.suffix);

beforeAll(async () => {
  testDb = await createTestDatabase();
  store = await createTestQueueStore(testDb.url, prefix);
  const org = await testDb.db.prisma.organization.create({ data: { name: 'Partitions Org' } });
  const user = await testDb.db.prisma.user.create({
    data: { organizationId: org.id, email: 'p@partitions.test' },
  });
  tenant = { organizationId: org.id, userId: user.id };
  // A fresh database's "_low" range (ids below the day it was migrated) holds nothing: without
  // it, older days get day partitions like any other, which these tests need.
  await pool().query(
    `DROP TABLE ledger_partitions."NotificationDelivery_low"; DROP TABLE ledger_partitions."TaskRun_low"`,
  );
});
afterAll(async () => {
  await removeTestQueues(prefix);
  await store?.close();
  await testDb?.drop();
});
beforeEach(async () => {
  await pool().query('DELETE FROM "TaskRun"');
});

describe('the partitioned ledger', () => {
  it("puts a new run, and its deliveries, in its day's partitions; Prisma's client works on them", async () => {
    const { prisma } = testDb.db;
    const id = newRunId();
    expect(uuidv7Time(id)).toBeGreaterThan(Date.now() - 60_000);
    await prisma.taskRun.create({ data: { id, ...tenant, task: 'tests.execute', input: {} } });
    const delivery = await prisma.notificationDelivery.create({
      data: {
        runId: id,
        ...tenant,
        channel: 'email',
        template: 'task-completion',
        subject: 'Done',
        phase: 'succeeded',
        recipient: tenant.userId,
        idempotencyKey: `${id}:succeeded:email:${tenant.userId}`,
      },
    });
    const today = suffixDaysAgo(0);
    expect(await partitionsOf('TaskRun')).toEqual({ [id]: `ledger_partitions."TaskRun_${today}"` });
    expect(await partitionsOf('NotificationDelivery')).toEqual({
      [id]: `ledger_partitions."NotificationDelivery_${today}"`,
    });
    expect(uuidv7Time(delivery.id)).not.toBeNull();
    await prisma.notificationDelivery.update({ where: { id: delivery.id }, data: { status: 'sent' } });
    expect((await prisma.notificationDelivery.findUnique({ where: { id: delivery.id } }))?.status).toBe(
      'sent',
    );
    // The idempotency key still admits one row per run: a second write is a no-op.
    const again = await pool().query(
      `INSERT INTO "NotificationDelivery" (id, "runId", "organizationId", "userId", channel, template, subject, phase, recipient, "idempotencyKey")
       SELECT $1, "runId", "organizationId", "userId", channel, template, subject, phase, recipient, "idempotencyKey"
       FROM "NotificationDelivery" ON CONFLICT ("runId", "idempotencyKey") DO NOTHING`,
      [randomUUID()],
    );
    expect(again.rowCount).toBe(0);
    await prisma.taskRun.delete({ where: { id } });
    expect(await prisma.notificationDelivery.count()).toBe(0);
    expect(await readLedgerCounts(pool())).toEqual(await countLedger(pool()));
  });

  it('catches a run outside every range in the default partition; maintenance moves it into a new day', async () => {
    const [stray] = await insertRunsWithIds([runIdDaysAgo(10)], 'succeeded', 10);
    await insertDeliveries(pool(), [stray!], { status: 'sent', daysAgo: 10 });
    expect(await partitionsOf('TaskRun')).toEqual({ [stray!]: 'ledger_partitions."TaskRun_default"' });

    const report = await ensureLedgerPartitions(pool(), { logger: silentLogger });
    const day = suffixDaysAgo(10);
    expect(report).toMatchObject({
      created: expect.arrayContaining([day]),
      movedRuns: 1,
      movedDeliveries: 1,
    });
    expect(await partitionsOf('TaskRun')).toEqual({ [stray!]: `ledger_partitions."TaskRun_${day}"` });
    expect(await partitionsOf('NotificationDelivery')).toEqual({
      [stray!]: `ledger_partitions."NotificationDelivery_${day}"`,
    });
    const { rows } = await pool().query(`SELECT 1 FROM ledger_partitions."TaskRun_default"`);
    expect(rows).toEqual([]);
    // Moved, not removed: the /metrics counts did not change.
    expect(await readLedgerCounts(pool())).toEqual(await countLedger(pool()));
    // The moved pair keeps the run's cascade to its deliveries.
    await pool().query('DELETE FROM "TaskRun" WHERE id = $1', [stray]);
    expect(await readLedgerCounts(pool())).toEqual({});
  });

  it('the maintenance job creates the day partitions a week ahead', async () => {
    const ahead = suffixDaysAgo(-7);
    // An earlier test's maintenance pass may have made it: start without it.
    await pool().query(
      `DROP TABLE IF EXISTS ledger_partitions."NotificationDelivery_${ahead}"; DROP TABLE IF EXISTS ledger_partitions."TaskRun_${ahead}"`,
    );
    expect(await suffixes()).not.toContain(ahead);
    const maintenance = await startMaintenance({
      store,
      pool: pool(),
      logger: silentLogger,
      policy,
      everyMs: 300,
    });
    try {
      await waitFor(async () => (await suffixes()).includes(ahead), 15_000, 'the partition a week ahead');
    } finally {
      await maintenance.close();
    }
    const { rows } = await pool().query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_inherits WHERE inhparent = '"NotificationDelivery"'::regclass`,
    );
    expect(Number(rows[0]!.n)).toBe((await suffixes()).length);
  });

  it('drops a day that holds nothing to keep, and only that day; never an unfinished run or a pending delivery', async () => {
    const ids = (daysAgo: number, n: number) => Array.from({ length: n }, () => runIdDaysAgo(daysAgo));
    const expired = await insertRunsWithIds(ids(40, 3), 'succeeded', 40);
    await insertDeliveries(pool(), expired, { status: 'sent', daysAgo: 40 });
    const withUnfinished = await insertRunsWithIds(ids(39, 2), 'succeeded', 39);
    const [unfinished] = await insertRunsWithIds(ids(39, 1), 'running', 39);
    const withPending = await insertRunsWithIds(ids(38, 2), 'succeeded', 38);
    await insertDeliveries(pool(), withPending.slice(0, 1), { status: 'pending', daysAgo: 38 });
    const recent = await insertRunsWithIds(ids(0, 2), 'succeeded', 0);
    await ensureLedgerPartitions(pool());

    const plan = await planPrune(pool(), policy);
    expect(plan.partitions).toEqual([{ suffix: suffixDaysAgo(40), runs: 3, deliveries: 3 }]);
    // Batch deletes in the other days: two finished runs of day 39, the one of day 38 without a pending delivery.
    expect(plan).toMatchObject({ runs: 6, deliveries: 3 });

    const report = await pruneLedger(pool(), policy, { logger: silentLogger });
    expect(report).toMatchObject({ runs: 6, deliveries: 3, partitions: plan.partitions });
    const left = await suffixes();
    expect(left).not.toContain(suffixDaysAgo(40));
    expect(left).toEqual(expect.arrayContaining([suffixDaysAgo(39), suffixDaysAgo(38), suffixDaysAgo(0)]));
    expect(Object.keys(await partitionsOf('TaskRun')).sort()).toEqual(
      [unfinished!, withPending[0]!, ...recent].sort(),
    );
    expect(await partitionsOf('NotificationDelivery')).toEqual({
      [withPending[0]!]: `ledger_partitions."NotificationDelivery_${suffixDaysAgo(38)}"`,
    });
    expect(withUnfinished).toHaveLength(2);
    expect(await readLedgerCounts(pool())).toEqual(await countLedger(pool()));
  });
});
