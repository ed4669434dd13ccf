import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '@herald/api';
import { applyMigrations, createDatabase, DEFAULT_MIGRATIONS_DIR } from '@herald/db';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import { pruneLedger, RunLedger, type HeraldQueues } from '@herald/core';
import { countLedger, insertDeliveries, insertRuns, readLedgerCounts } from './support/ledger-rows';

let testDb: TestDatabase;
let tenant: { organizationId: string; userId: string };

beforeAll(async () => {
  testDb = await createTestDatabase();
  const org = await testDb.db.prisma.organization.create({ data: { name: 'Counts Org' } });
  const user = await testDb.db.prisma.user.create({
    data: { organizationId: org.id, email: 'c@counts.test' },
  });
  tenant = { organizationId: org.id, userId: user.id };
});
afterAll(async () => {
  await testDb?.drop();
});

const pool = () => testDb.db.pool;

/** Queue gauges need queues; these answer with nothing so only the ledger's gauges are read. */
const emptyQueue = (name: string) => ({ name, getJobCounts: () => Promise.resolve({}) });
const noQueues = {
  tasks: emptyQueue('tasks'),
  notifications: emptyQueue('notifications'),
  store: { kind: 'redis' },
} as unknown as HeraldQueues;

describe('LedgerCount', () => {
  it('agrees with the ledger after the run ledger writes, updates, deletes, cascades and a prune', async () => {
    const ledger = new RunLedger(pool());
    await ledger.insertQueued(
      Array.from({ length: 20 }, (_, i) => ({
        id: `live-${i}`,
        ...tenant,
        task: 'reports.build',
        input: {},
        maxAttempts: 2,
      })),
    );
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ledger.end({
          id: `live-${i}`,
          ...tenant,
          status: i % 3 ? 'succeeded' : 'failed',
          attempts: 1,
          notifications: [],
        }),
      ),
    );
    expect(await readLedgerCounts(pool())).toEqual(await countLedger(pool()));

    const old = await insertRuns(pool(), tenant, {
      prefix: 'old',
      count: 30,
      status: 'succeeded',
      daysAgo: 40,
    });
    await insertDeliveries(pool(), old, { status: 'pending', daysAgo: 40 });
    await pool().query(`UPDATE "NotificationDelivery" SET status = 'sent' WHERE "runId" LIKE 'old-1%'`);
    await pool().query(`UPDATE "TaskRun" SET progress = '{"step":2}' WHERE id LIKE 'live-%'`);
    await pool().query(`DELETE FROM "TaskRun" WHERE id = 'live-15'`);
    expect(await readLedgerCounts(pool())).toEqual(await countLedger(pool()));

    await pool().query(`UPDATE "NotificationDelivery" SET status = 'skipped' WHERE status = 'pending'`);
    const report = await pruneLedger(pool(), { runRetentionDays: 30, deliveryRetentionDays: 30 });
    expect(report.runs).toBe(30);
    expect(await readLedgerCounts(pool())).toEqual(await countLedger(pool()));

    const metrics = createMetrics({ db: testDb.db, queues: noQueues });
    const text = await metrics.registry.metrics();
    const truth = await countLedger(pool());
    expect(text).toContain(
      `herald_runs{task="reports.build",status="succeeded"} ${truth['run:reports.build:succeeded']}`,
    );
    expect(text).toContain(
      `herald_runs{task="reports.build",status="queued"} ${truth['run:reports.build:queued']}`,
    );
    expect(text).not.toMatch(/herald_runs\{task="tests.execute"/);

    // An organization's removal cascades to its runs and deliveries: the counts follow.
    await testDb.db.prisma.organization.delete({ where: { id: tenant.organizationId } });
    expect(await readLedgerCounts(pool())).toEqual({});
  });

  it('the migration counts the rows an existing database already holds', async () => {
    const before = mkdtempSync(path.join(tmpdir(), 'herald-migrations-'));
    const own = await createTestDatabase({ migrate: false });
    try {
      for (const name of readdirSync(DEFAULT_MIGRATIONS_DIR).filter((entry) => entry < '20261205200000'))
        cpSync(path.join(DEFAULT_MIGRATIONS_DIR, name), path.join(before, name), { recursive: true });
      await applyMigrations(own.url, before);
      const db = createDatabase({ url: own.url, poolSize: 2 });
      try {
        const org = await db.prisma.organization.create({ data: { name: 'Existing' } });
        const user = await db.prisma.user.create({
          data: { organizationId: org.id, email: 'e@existing.test' },
        });
        const existing = { organizationId: org.id, userId: user.id };
        const runs = await insertRuns(db.pool, existing, {
          prefix: 'a',
          count: 7,
          status: 'succeeded',
          daysAgo: 3,
        });
        await insertRuns(db.pool, existing, {
          prefix: 'b',
          count: 4,
          status: 'running',
          daysAgo: 0,
          task: 'other',
        });
        await insertDeliveries(db.pool, runs, { status: 'sent', daysAgo: 3 });
        await applyMigrations(own.url);
        expect(await readLedgerCounts(db.pool)).toEqual({
          'run:tests.execute:succeeded': 7,
          'run:other:running': 4,
          'delivery:sent': 7,
        });
      } finally {
        await db.close();
      }
    } finally {
      rmSync(before, { recursive: true, force: true });
      await own.drop();
    }
  });
});
