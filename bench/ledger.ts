/**
 * The ledger at size: what a /metrics scrape's ledger read, a GET /api/tasks page (first, and
 * behind a deep cursor) and the prune cost when TaskRun holds many rows.
 *
 *   tsx bench/ledger.ts [--runs=200000]
 *
 * Needs DATABASE_URL's server (or the local one); works in a database of its own, dropped at
 * the end. Rows are written with SQL (generate_series), not through the queues. Half the runs
 * ended 40 days ago (the prune's share), half in the last day; one delivery per run.
 */
import { createTestDatabase } from '@herald/db/testing';
import { pruneLedger } from '@herald/core';

const runs = Number(
  process.argv.find((arg) => arg.startsWith('--runs='))?.slice('--runs='.length) ?? 200_000,
);
const say = (line: string) => process.stderr.write(`bench ledger: ${line}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time(times: number, fn: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const startedAt = performance.now();
    await fn();
    samples.push(performance.now() - startedAt);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

const testDb = await createTestDatabase();
const { pool, prisma } = testDb.db;
try {
  const org = await prisma.organization.create({ data: { name: 'Bench' } });
  const user = await prisma.user.create({ data: { organizationId: org.id, email: 'bench@bench.test' } });
  let startedAt = performance.now();
  const chunk = 50_000;
  for (let from = 1; from <= runs; from += chunk) {
    await pool.query(
      `INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status, "createdAt", "updatedAt", "finishedAt")
       SELECT 'run-' || lpad(i::text, 9, '0'), $1, $2, 'tests.execute', '{}',
         (ARRAY['succeeded', 'failed', 'succeeded', 'cancelled'])[1 + i % 4]::"RunStatus",
         ts, ts, ts
       FROM generate_series($3::int, $4::int) AS i,
         LATERAL (SELECT CASE WHEN i % 2 = 0 THEN now() - interval '40 days' ELSE now() - interval '1 hour' END
           + i * interval '1 millisecond' AS ts) t`,
      [org.id, user.id, from, Math.min(runs, from + chunk - 1)],
    );
    await pool.query(
      `INSERT INTO "NotificationDelivery" (id, "runId", "organizationId", "userId", channel, template, subject, phase, recipient,
         status, "idempotencyKey", "createdAt", "updatedAt")
       SELECT gen_random_uuid(), r.id, r."organizationId", r."userId", 'email', 'task-completion', 'Done', 'succeeded', r."userId",
         'sent', r.id || ':succeeded', r."createdAt", r."createdAt"
       FROM "TaskRun" r WHERE r.id BETWEEN 'run-' || lpad($1::text, 9, '0') AND 'run-' || lpad($2::text, 9, '0')`,
      [from, Math.min(runs, from + chunk - 1)],
    );
  }
  await pool.query('VACUUM ANALYZE "TaskRun"');
  await pool.query('VACUUM ANALYZE "NotificationDelivery"');
  say(`${runs} runs and deliveries written in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);

  const counts = await time(200, () =>
    pool.query(`SELECT kind, task, status, sum(count) FROM "LedgerCount" GROUP BY kind, task, status`),
  );
  const scans = await time(5, () =>
    Promise.all([
      pool.query('SELECT task, status::text, count(*) FROM "TaskRun" GROUP BY task, status'),
      pool.query('SELECT status::text, count(*) FROM "NotificationDelivery" GROUP BY status'),
    ]),
  );
  // The list's query as the API now sends it: newest first, a page of 21, behind a cursor at the oldest tenth.
  const { rows } = await pool.query<{ id: string; createdAt: Date }>(
    `SELECT id, "createdAt" FROM "TaskRun" WHERE "organizationId" = $1 ORDER BY "createdAt" DESC, id DESC OFFSET $2 LIMIT 1`,
    [org.id, Math.floor(runs * 0.9)],
  );
  const cursor = rows[0]!;
  const page = (withBound: boolean, at?: { id: string; createdAt: Date }) =>
    pool.query(
      `SELECT * FROM "TaskRun" WHERE "organizationId" = $1
       ${at ? `AND ${withBound ? '"createdAt" <= $2 AND' : ''} ("createdAt" < $2 OR ("createdAt" = $2 AND id < $3))` : ''}
       ORDER BY "createdAt" DESC, id DESC LIMIT 21`,
      at ? [org.id, at.createdAt, at.id] : [org.id],
    );
  const first = await time(50, () => page(true));
  const deep = await time(50, () => page(true, cursor));
  const deepBefore = await time(5, () => page(false, cursor));
  const detail = await time(100, () =>
    pool.query(
      `SELECT * FROM "TaskRun" r LEFT JOIN "NotificationDelivery" d ON d."runId" = r.id WHERE r.id = $1 AND r."organizationId" = $2`,
      [cursor.id, org.id],
    ),
  );

  const { rows: sizes } = await pool.query<{ runs: string; deliveries: string }>(
    `SELECT pg_total_relation_size('"TaskRun"') AS runs, pg_total_relation_size('"NotificationDelivery"') AS deliveries`,
  );
  const bytesPerRun = Number(sizes[0]!.runs) / runs;
  const bytesPerDelivery = Number(sizes[0]!.deliveries) / runs;

  // The triggers' cost on the ledger's own write shape: single-row statements from 8 connections
  // at once (the worst case for the counter rows), with the triggers and without.
  const writeRate = async (label: string) => {
    const total = 4_000;
    const began = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = worker; i < total; i += 8) {
          await pool.query(
            `INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status) VALUES ($1, $2, $3, 'tests.execute', '{}', 'queued')`,
            [`${label}-${i}`, org.id, user.id],
          );
          await pool.query(`UPDATE "TaskRun" SET status = 'succeeded', "finishedAt" = now() WHERE id = $1`, [
            `${label}-${i}`,
          ]);
        }
      }),
    );
    return total / ((performance.now() - began) / 1000);
  };
  // And as the run ledger writes: 100 runs a statement (its batcher), ended 100 at a time.
  const batchedRate = async (label: string) => {
    const total = 20_000;
    const began = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async (_, worker) => {
        for (let from = worker * 100; from < total; from += 400) {
          const ids = Array.from({ length: 100 }, (_, i) => `${label}-${from + i}`);
          await pool.query(
            `INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status)
             SELECT id, $2, $3, 'tests.execute', '{}', 'queued' FROM unnest($1::text[]) AS id`,
            [ids, org.id, user.id],
          );
          await pool.query(
            `UPDATE "TaskRun" SET status = 'succeeded', "finishedAt" = now() WHERE id = ANY($1::text[])`,
            [ids],
          );
        }
      }),
    );
    return total / ((performance.now() - began) / 1000);
  };
  // Without first, then with: the order the figures would favour if the machine warmed up.
  await pool.query('ALTER TABLE "TaskRun" DISABLE TRIGGER USER');
  const withoutTriggers = await writeRate('without');
  const batchedWithout = await batchedRate('batched-without');
  await pool.query('ALTER TABLE "TaskRun" ENABLE TRIGGER USER');
  await pool.query(`DELETE FROM "TaskRun" WHERE id LIKE '%without-%'`);
  const withTriggers = await writeRate('with');
  const batchedWith = await batchedRate('batched-with');

  // The prune, with the batched writes running beside it while it lasts.
  startedAt = performance.now();
  const pruning = pruneLedger(pool, { runRetentionDays: 30, deliveryRetentionDays: 30 }, { pauseMs: 20 });
  const batchedDuringPrune = await batchedRate('during-prune');
  const report = await pruning;
  const pruneSeconds = (performance.now() - startedAt) / 1000;

  const f = (t: { p50: number; p99: number }) => `p50 ${t.p50.toFixed(2)} ms, p99 ${t.p99.toFixed(2)} ms`;
  process.stdout.write(
    [
      `ledger at ${runs} runs (+ ${runs} deliveries)`,
      `  /metrics ledger read, LedgerCount      ${f(counts)}`,
      `  /metrics ledger read, count(*) (before) ${f(scans)}`,
      `  GET /api/tasks first page (SQL)         ${f(first)}`,
      `  GET /api/tasks deep cursor (SQL)        ${f(deep)}`,
      `  deep cursor without the bound (before)  ${f(deepBefore)}`,
      `  GET /api/tasks/:id (SQL)                ${f(detail)}`,
      `  size: ${Math.round(bytesPerRun)} B a run, ${Math.round(bytesPerDelivery)} B a delivery (table + indexes, empty input/result)`,
      `  runs written and ended one statement at a time, 8 connections: ${Math.round(withTriggers)}/s with the count triggers,` +
        ` ${Math.round(withoutTriggers)}/s without`,
      `  runs written and ended 100 a statement, 4 connections: ${Math.round(batchedWith)}/s with the count triggers,` +
        ` ${Math.round(batchedWithout)}/s without, ${Math.round(batchedDuringPrune)}/s with them while the prune runs`,
      `  prune: ${report.runs} runs + ${report.deliveries} deliveries in ${pruneSeconds.toFixed(1)} s` +
        ` (${Math.round((report.runs + report.deliveries) / pruneSeconds)} rows/s, 1000-row batches, 20 ms pauses)`,
    ].join('\n') + '\n',
  );
} finally {
  await testDb.drop();
}
