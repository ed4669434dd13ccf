/**
 * The ledger bench's rows: runs with UUIDv7 ids spread evenly over the last SPAN_DAYS days, each
 * with one delivery, written with SQL (generate_series) into the day partitions they belong to.
 */
import type pg from 'pg';
import { dayRangeOf, ensureLedgerPartitions, listRunPartitions } from '@herald/core';

/** How far back the runs go: past the 30-day retention, so the prune has whole days to drop. */
export const SPAN_DAYS = 40;
const DAY_MS = 86_400_000;

// A UUIDv7 of the millisecond `ms`, as newRunId makes it: the 48-bit time in hex, version 7,
// then the random bits and variant of a UUIDv4 (gen_random_uuid), lower-case.
const UUIDV7_OF_MS = `(SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(u, 16, 3) || '-' || substr(u, 20)
  FROM (SELECT lpad(to_hex(ms), 12, '0') AS h, gen_random_uuid()::text AS u) parts)`;

export interface LedgerFill {
  /** The database's clock when the rows were laid out, in ms. */
  nowMs: number;
  /** Day partition pairs the bench's days needed (made by ensureLedgerPartitions). */
  daysCreated: number;
  /** Every partition of "TaskRun" once filled: days, "_high" and the default. */
  partitions: number;
}

/**
 * A database just migrated has its "_low" range cover everything before the migration's day; the
 * ledger benched here is the one of a deployment partitioned 40 days ago, whose past days have
 * partitions of their own. So "_low" (empty) goes, and the days are made the way the maintenance
 * job makes them: one run of each day lands in the default partition, ensureLedgerPartitions
 * creates that day's pair (moving the run), and the stand-in runs are removed again.
 */
export async function prepareDayPartitions(
  pool: pg.Pool,
  tenant: { organizationId: string; userId: string },
): Promise<{ nowMs: number; daysCreated: number }> {
  const { rows: clock } = await pool.query<{ ms: string }>(
    `SELECT floor(extract(epoch FROM now()) * 1000) AS ms`,
  );
  const nowMs = Number(clock[0]!.ms);
  if ((await listRunPartitions(pool)).some((partition) => partition.suffix === 'low')) {
    await pool.query('DROP TABLE "ledger_partitions"."NotificationDelivery_low"');
    await pool.query('DROP TABLE "ledger_partitions"."TaskRun_low"');
  }
  const standIns = Array.from({ length: SPAN_DAYS + 1 }, (_, day) => dayRangeOf(nowMs - day * DAY_MS).from);
  await pool.query(
    `INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status)
     SELECT id, $2, $3, 'tests.execute', '{}', 'succeeded' FROM unnest($1::text[]) AS id`,
    [standIns, tenant.organizationId, tenant.userId],
  );
  const report = await ensureLedgerPartitions(pool);
  await pool.query(`DELETE FROM "TaskRun" WHERE id = ANY($1::text[])`, [standIns]);
  return { nowMs, daysCreated: report.created.length };
}

/**
 * Writes `runs` ended runs, the i-th created at nowMs - SPAN_DAYS days + i × (SPAN_DAYS days / runs),
 * its id that millisecond's UUIDv7, and one sent delivery each, in 50,000-run statements.
 */
export async function fillLedger(
  pool: pg.Pool,
  tenant: { organizationId: string; userId: string },
  runs: number,
): Promise<LedgerFill> {
  const { nowMs, daysCreated } = await prepareDayPartitions(pool, tenant);
  const startMs = nowMs - SPAN_DAYS * DAY_MS;
  const chunk = 50_000;
  for (let from = 1; from <= runs; from += chunk) {
    await pool.query(
      `WITH written AS (
         INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status, "createdAt", "updatedAt", "finishedAt")
         SELECT ${UUIDV7_OF_MS}, $1, $2, 'tests.execute', '{}',
           (ARRAY['succeeded', 'failed', 'succeeded', 'cancelled'])[1 + i % 4]::"RunStatus", ts, ts, ts
         FROM generate_series($3::int, $4::int) AS i,
           LATERAL (SELECT $5::bigint + i::bigint * $6::bigint / $7::bigint AS ms) at_ms,
           LATERAL (SELECT to_timestamp(ms / 1000.0) AT TIME ZONE 'UTC' AS ts) at_ts
         RETURNING id, "organizationId", "userId", "createdAt"
       )
       INSERT INTO "NotificationDelivery" (id, "runId", "organizationId", "userId", channel, template, subject, phase,
         recipient, status, "idempotencyKey", "createdAt", "updatedAt")
       SELECT gen_random_uuid(), r.id, r."organizationId", r."userId", 'email', 'task-completion', 'Done', 'succeeded',
         r."userId", 'sent', r.id || ':succeeded', r."createdAt", r."createdAt"
       FROM written r`,
      [
        tenant.organizationId,
        tenant.userId,
        from,
        Math.min(runs, from + chunk - 1),
        startMs,
        SPAN_DAYS * DAY_MS,
        runs,
      ],
    );
  }
  await pool.query('VACUUM ANALYZE "TaskRun"');
  await pool.query('VACUUM ANALYZE "NotificationDelivery"');
  return { nowMs, daysCreated, partitions: (await listRunPartitions(pool)).length };
}

/**
 * Where the rows went, which should be nowhere wrong: rows outside a day partition ("_high",
 * "_default") and runs whose id's time is not their createdAt mean an id went wrong.
 */
export async function checkLayout(
  pool: pg.Pool,
): Promise<{ runsOutside: number; deliveriesOutside: number; timeMismatches: number }> {
  const { rows } = await pool.query<{ runs: string; deliveries: string; mismatches: string }>(
    `SELECT (SELECT count(*) FROM "TaskRun" WHERE tableoid::regclass::text !~ '_[0-9]{8}"?$') AS runs,
       (SELECT count(*) FROM "NotificationDelivery" WHERE tableoid::regclass::text !~ '_[0-9]{8}"?$') AS deliveries,
       (SELECT count(*) FROM "TaskRun"
        WHERE ('x' || substr(replace(id, '-', ''), 1, 12))::bit(48)::bigint
          <> floor(extract(epoch FROM "createdAt" AT TIME ZONE 'UTC') * 1000)) AS mismatches`,
  );
  const row = rows[0]!;
  return {
    runsOutside: Number(row.runs),
    deliveriesOutside: Number(row.deliveries),
    timeMismatches: Number(row.mismatches),
  };
}
