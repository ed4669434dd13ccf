import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, createDatabase, DEFAULT_MIGRATIONS_DIR, type Database } from '@herald/db';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import { dayRangeOf, ensureLedgerPartitions } from '@herald/core';
import { countLedger, insertDeliveries, readLedgerCounts } from './support/ledger-rows';

const PARTITIONED = '20261206400000_partitioned_ledger';
let own: TestDatabase;
let db: Database;
let before: string;

/** A UUIDv4 whose first 48 bits fall on noon of the day `daysAhead` from today: a range made later. */
function v4IdInDay(daysAhead: number): string {
  const ms = dayRangeOf(Date.now() + daysAhead * 86_400_000).startMs + 43_200_000;
  const hex = ms.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8)}-4${randomUUID().slice(15)}`;
}

/** Every row of a table, as JSON, in id order. */
async function snapshot(table: 'TaskRun' | 'NotificationDelivery'): Promise<unknown[]> {
  const { rows } = await db.pool.query<{ row: unknown }>(
    `SELECT row_to_json(t) AS row FROM "${table}" t ORDER BY id`,
  );
  return rows.map((row) => row.row);
}

beforeAll(async () => {
  before = mkdtempSync(path.join(tmpdir(), 'herald-migrations-'));
  own = await createTestDatabase({ migrate: false });
  for (const name of readdirSync(DEFAULT_MIGRATIONS_DIR).filter((entry) => entry < PARTITIONED))
    cpSync(path.join(DEFAULT_MIGRATIONS_DIR, name), path.join(before, name), { recursive: true });
  await applyMigrations(own.url, before);
  db = createDatabase({ url: own.url, poolSize: 2 });
});
afterAll(async () => {
  await db?.close();
  rmSync(before, { recursive: true, force: true });
  await own?.drop();
});

describe(`migration ${PARTITIONED}`, () => {
  it("moves an existing database's runs and deliveries into the partitioned tables, every row and column", async () => {
    const org = await db.prisma.organization.create({ data: { name: 'Existing' } });
    const user = await db.prisma.user.create({ data: { organizationId: org.id, email: 'e@existing.test' } });
    const ids = [
      ...Array.from({ length: 200 }, () => randomUUID()),
      'repeat:scheduler-1:1765000000000',
      v4IdInDay(5),
    ];
    await db.pool.query(
      `INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status, result, "parentId", "scheduleName",
         title, "notifyTo", "finishedAt", "createdAt", "updatedAt")
       SELECT id, $2, $3, 'tests.execute', jsonb_build_object('n', n), CASE WHEN n % 3 = 0 THEN 'running' ELSE 'succeeded' END::"RunStatus",
         '{"ok":true}', NULL, 'nightly', 'Run ' || n, '["a@x.test"]', CASE WHEN n % 3 = 0 THEN NULL ELSE now() - n * interval '1 hour' END,
         now() - n * interval '1 hour', now()
       FROM unnest($1::text[]) WITH ORDINALITY AS r(id, n)`,
      [ids, org.id, user.id],
    );
    await insertDeliveries(db.pool, ids.slice(0, 120), { status: 'sent', daysAgo: 1 });
    await insertDeliveries(db.pool, ids.slice(100, 150), { status: 'pending', daysAgo: 0, phase: 'failed' });
    await db.pool.query(
      `UPDATE "NotificationDelivery" SET "recipientAddress" = 'b@y.test', context = '{"k":1}' WHERE phase = 'failed'`,
    );
    const runs = await snapshot('TaskRun');
    const deliveries = await snapshot('NotificationDelivery');
    const counts = await readLedgerCounts(db.pool);

    // This migration alone: later ones change the tables again.
    cpSync(path.join(DEFAULT_MIGRATIONS_DIR, PARTITIONED), path.join(before, PARTITIONED), {
      recursive: true,
    });
    expect((await applyMigrations(own.url, before)).applied).toEqual([PARTITIONED]);

    expect(await snapshot('TaskRun')).toEqual(runs);
    expect(await snapshot('NotificationDelivery')).toEqual(deliveries);
    expect(runs).toHaveLength(202);
    expect(deliveries).toHaveLength(170);
    expect(await readLedgerCounts(db.pool)).toEqual(counts);
    expect(await countLedger(db.pool)).toEqual(counts);
    const { rows: kinds } = await db.pool.query<{ relkind: string }>(
      `SELECT relkind FROM pg_class WHERE oid IN ('"TaskRun"'::regclass, '"NotificationDelivery"'::regclass)`,
    );
    expect(kinds.map((row) => row.relkind)).toEqual(['p', 'p']);
    // Each delivery is stored beside its run: the same range in both tables.
    const { rows: apart } = await db.pool.query(
      `SELECT d.id FROM "NotificationDelivery" d JOIN "TaskRun" r ON r.id = d."runId"
       WHERE replace(d.tableoid::regclass::text, 'NotificationDelivery_', '') <> replace(r.tableoid::regclass::text, 'TaskRun_', '')`,
    );
    expect(apart).toEqual([]);
    const { rows: where } = await db.pool.query<{ part: string }>(
      `SELECT tableoid::regclass::text AS part FROM "TaskRun" WHERE id = ANY($1::text[]) ORDER BY id`,
      [ids.slice(-2)],
    );
    expect(where.map((row) => row.part)).toEqual([
      'ledger_partitions."TaskRun_default"',
      'ledger_partitions."TaskRun_high"',
    ]);

    // The next maintenance pass makes the later days; the UUIDv4 row in one of them moves there.
    const report = await ensureLedgerPartitions(db.pool);
    const day = dayRangeOf(Date.now() + 5 * 86_400_000).suffix;
    expect(report.created).toContain(day);
    const { rows: moved } = await db.pool.query<{ part: string }>(
      `SELECT tableoid::regclass::text AS part FROM "TaskRun" WHERE id = $1`,
      [ids.at(-1)],
    );
    expect(moved).toEqual([{ part: `ledger_partitions."TaskRun_${day}"` }]);
    expect(await snapshot('TaskRun')).toEqual(runs);
    expect(await readLedgerCounts(db.pool)).toEqual(counts);
    // Prisma's client reads and writes the moved rows, once the later migrations are applied too.
    await applyMigrations(own.url);
    const run = await db.prisma.taskRun.findUnique({ where: { id: ids[0]! }, include: { deliveries: true } });
    expect(run?.deliveries).toHaveLength(1);
    await db.prisma.organization.delete({ where: { id: org.id } });
    expect(await readLedgerCounts(db.pool)).toEqual({});
  });
});
