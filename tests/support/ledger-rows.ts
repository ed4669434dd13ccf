import type pg from 'pg';

/** Inserts `count` runs straight into the ledger (no queues), ended or not `daysAgo` days ago. */
export async function insertRuns(
  pool: pg.Pool,
  tenant: { organizationId: string; userId: string },
  {
    prefix,
    count,
    status,
    daysAgo,
    task = 'tests.execute',
  }: { prefix: string; count: number; status: string; daysAgo: number; task?: string },
): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status, "createdAt", "updatedAt", "finishedAt")
     SELECT $1 || '-' || i, $2, $3, $7, '{}', $4::"RunStatus", now() - $5::int * interval '1 day', now() - $5::int * interval '1 day',
       CASE WHEN $4 IN ('succeeded', 'failed', 'timed_out', 'cancelled') THEN now() - $5::int * interval '1 day' END
     FROM generate_series(1, $6::int) AS i RETURNING id`,
    [prefix, tenant.organizationId, tenant.userId, status, daysAgo, count, task],
  );
  return rows.map((row) => row.id);
}

/** One delivery per run, in `status`, written `daysAgo` days ago. */
export async function insertDeliveries(
  pool: pg.Pool,
  runIds: string[],
  { status, daysAgo, phase = 'succeeded' }: { status: string; daysAgo: number; phase?: string },
): Promise<void> {
  await pool.query(
    `INSERT INTO "NotificationDelivery" (id, "runId", "organizationId", "userId", channel, template, subject, phase, recipient,
       status, "idempotencyKey", "createdAt", "updatedAt")
     SELECT gen_random_uuid(), r.id, r."organizationId", r."userId", 'email', 'task-completion', 'Done', $3, r."userId",
       $2::"DeliveryStatus", r.id || ':' || $3 || ':email', now() - $4::int * interval '1 day', now() - $4::int * interval '1 day'
     FROM "TaskRun" r WHERE r.id = ANY($1::text[])`,
    [runIds, status, phase, daysAgo],
  );
}

/** The ledger counted the slow way, as LedgerCount must agree with it. */
export async function countLedger(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ key: string; count: string }>(
    `SELECT 'run:' || task || ':' || status AS key, count(*) AS count FROM "TaskRun" GROUP BY 1
     UNION ALL SELECT 'delivery:' || status, count(*) FROM "NotificationDelivery" GROUP BY 1`,
  );
  return Object.fromEntries(rows.map((row) => [row.key, Number(row.count)]));
}

/** LedgerCount summed over its shards, zero rows left out. */
export async function readLedgerCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ key: string; count: string }>(
    `SELECT CASE WHEN kind = 'run' THEN 'run:' || task || ':' || status ELSE 'delivery:' || status END AS key,
       sum(count) AS count FROM "LedgerCount" GROUP BY 1 HAVING sum(count) <> 0`,
  );
  return Object.fromEntries(rows.map((row) => [row.key, Number(row.count)]));
}
