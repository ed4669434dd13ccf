import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import { planPrune, pruneLedger, pruneLedgerExclusively } from '@herald/core';
import { countLedger, insertDeliveries, insertRuns, readLedgerCounts } from './support/ledger-rows';

let testDb: TestDatabase;
let tenant: { organizationId: string; userId: string };
const policy = { runRetentionDays: 30, deliveryRetentionDays: 30 };

beforeAll(async () => {
  testDb = await createTestDatabase();
  const org = await testDb.db.prisma.organization.create({ data: { name: 'Retention Org' } });
  const user = await testDb.db.prisma.user.create({
    data: { organizationId: org.id, email: 'r@retention.test' },
  });
  tenant = { organizationId: org.id, userId: user.id };
});
afterAll(async () => {
  await testDb?.drop();
});
beforeEach(async () => {
  await testDb.db.pool.query('DELETE FROM "TaskRun"');
});

const pool = () => testDb.db.pool;
async function idsOf(table: 'TaskRun' | 'NotificationDelivery'): Promise<string[]> {
  const column = table === 'TaskRun' ? 'id' : '"runId"';
  const { rows } = await pool().query<{ id: string }>(`SELECT ${column} AS id FROM "${table}" ORDER BY 1`);
  return rows.map((row) => row.id);
}

/** A ledger with one of everything the rules tell apart. */
async function seedMixedLedger() {
  const oldDone = await insertRuns(pool(), tenant, {
    prefix: 'old-done',
    count: 3,
    status: 'succeeded',
    daysAgo: 40,
  });
  await insertRuns(pool(), tenant, { prefix: 'old-failed', count: 1, status: 'failed', daysAgo: 31 });
  await insertDeliveries(pool(), oldDone, { status: 'sent', daysAgo: 40 });
  const recent = await insertRuns(pool(), tenant, {
    prefix: 'recent',
    count: 2,
    status: 'succeeded',
    daysAgo: 2,
  });
  await insertDeliveries(pool(), recent, { status: 'sent', daysAgo: 2 });
  await insertRuns(pool(), tenant, { prefix: 'old-queued', count: 1, status: 'queued', daysAgo: 60 });
  await insertRuns(pool(), tenant, { prefix: 'old-running', count: 1, status: 'running', daysAgo: 60 });
  await insertRuns(pool(), tenant, { prefix: 'old-retrying', count: 1, status: 'retrying', daysAgo: 60 });
  const waiting = await insertRuns(pool(), tenant, {
    prefix: 'old-waiting',
    count: 1,
    status: 'succeeded',
    daysAgo: 45,
  });
  await insertDeliveries(pool(), waiting, { status: 'pending', daysAgo: 45 });
}

describe('ledger retention', () => {
  it('removes old finished runs with their deliveries; keeps recent and unfinished runs and pending deliveries', async () => {
    await seedMixedLedger();
    const report = await pruneLedger(pool(), policy, { batchSize: 2 });
    expect(report).toMatchObject({ runs: 4, deliveries: 3, dryRun: false });
    expect(await idsOf('TaskRun')).toEqual([
      'old-queued-1',
      'old-retrying-1',
      'old-running-1',
      'old-waiting-1',
      'recent-1',
      'recent-2',
    ]);
    expect(await idsOf('NotificationDelivery')).toEqual(['old-waiting-1', 'recent-1', 'recent-2']);
    expect(await readLedgerCounts(pool())).toEqual(await countLedger(pool()));
  });

  it('removes ended deliveries past DELIVERY_RETENTION_DAYS while their run stays', async () => {
    const runs = await insertRuns(pool(), tenant, {
      prefix: 'kept',
      count: 2,
      status: 'succeeded',
      daysAgo: 10,
    });
    await insertDeliveries(pool(), runs, { status: 'failed', daysAgo: 10 });
    await insertDeliveries(pool(), runs, { status: 'pending', daysAgo: 10, phase: 'retrying' });
    const report = await pruneLedger(pool(), { runRetentionDays: 30, deliveryRetentionDays: 7 });
    expect(report).toMatchObject({ runs: 0, deliveries: 2 });
    expect(await idsOf('TaskRun')).toEqual(['kept-1', 'kept-2']);
    const { rows } = await pool().query<{ status: string }>('SELECT status FROM "NotificationDelivery"');
    expect(rows.map((row) => row.status)).toEqual(['pending', 'pending']);
  });

  it('the dry run counts exactly what the prune then removes, and changes nothing', async () => {
    await seedMixedLedger();
    const before = await countLedger(pool());
    const plan = await planPrune(pool(), policy);
    expect(plan).toMatchObject({ runs: 4, deliveries: 3, dryRun: true });
    expect(await countLedger(pool())).toEqual(before);
    const done = await pruneLedger(pool(), policy);
    expect({ runs: done.runs, deliveries: done.deliveries }).toEqual({
      runs: plan.runs,
      deliveries: plan.deliveries,
    });
  });

  it('removes expired console sign-in links and sessions, keeps live ones; the dry run counts them first', async () => {
    const prisma = testDb.db.prisma;
    const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000);
    await prisma.signInLink.createMany({
      data: [
        { email: 'r@retention.test', tokenHash: 'link-expired', expiresAt: hoursFromNow(-3) },
        {
          email: 'r@retention.test',
          tokenHash: 'link-used-expired',
          expiresAt: hoursFromNow(-2),
          usedAt: hoursFromNow(-2.1),
        },
        { email: 'r@retention.test', tokenHash: 'link-live', expiresAt: hoursFromNow(0.2) },
      ],
    });
    await prisma.consoleSession.createMany({
      data: [
        {
          email: 'r@retention.test',
          tokenHash: 'session-ended',
          userId: tenant.userId,
          expiresAt: hoursFromNow(-5),
        },
        {
          email: 'r@retention.test',
          tokenHash: 'session-live',
          userId: tenant.userId,
          expiresAt: hoursFromNow(8),
        },
      ],
    });
    expect((await planPrune(pool(), policy)).signIns).toEqual({ links: 2, sessions: 1 });
    expect(await prisma.signInLink.count()).toBe(3);
    expect((await pruneLedger(pool(), policy)).signIns).toEqual({ links: 2, sessions: 1 });
    expect((await prisma.signInLink.findMany()).map((link) => link.tokenHash)).toEqual(['link-live']);
    expect((await prisma.consoleSession.findMany()).map((session) => session.tokenHash)).toEqual([
      'session-live',
    ]);
  });

  it('never waits on a row another transaction holds: it skips it and a later pass takes it', async () => {
    await insertRuns(pool(), tenant, { prefix: 'held', count: 1, status: 'succeeded', daysAgo: 40 });
    await insertRuns(pool(), tenant, { prefix: 'free', count: 5, status: 'succeeded', daysAgo: 40 });
    const holder = await pool().connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT id FROM "TaskRun" WHERE id = 'held-1' FOR UPDATE`);
      const startedAt = Date.now();
      const report = await pruneLedger(pool(), policy);
      expect(Date.now() - startedAt).toBeLessThan(2_000);
      expect(report.runs).toBe(5);
      await holder.query('COMMIT');
    } finally {
      holder.release();
    }
    expect(await idsOf('TaskRun')).toEqual(['held-1']);
    expect((await pruneLedger(pool(), policy)).runs).toBe(1);
  });

  it('two pruners at once remove each row once', async () => {
    const runs = await insertRuns(pool(), tenant, {
      prefix: 'many',
      count: 600,
      status: 'succeeded',
      daysAgo: 40,
    });
    await insertDeliveries(pool(), runs, { status: 'sent', daysAgo: 40 });
    const [a, b] = await Promise.all([
      pruneLedger(pool(), policy, { batchSize: 50 }),
      pruneLedger(pool(), policy, { batchSize: 50 }),
    ]);
    expect(a.runs + b.runs).toBe(600);
    expect(a.deliveries + b.deliveries).toBe(600);
    expect(await idsOf('TaskRun')).toEqual([]);
    expect(await readLedgerCounts(pool())).toEqual({});
  });

  it('the exclusive prune stands aside while another holds the lock', async () => {
    await insertRuns(pool(), tenant, { prefix: 'x', count: 300, status: 'succeeded', daysAgo: 40 });
    const [a, b] = await Promise.all([
      pruneLedgerExclusively(pool(), policy, { batchSize: 10, pauseMs: 5 }),
      pruneLedgerExclusively(pool(), policy, { batchSize: 10, pauseMs: 5 }),
    ]);
    expect([a?.runs, b?.runs].sort()).toEqual([300, undefined]);
  });
});
