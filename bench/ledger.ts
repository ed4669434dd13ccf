/**
 * The ledger at size: what a /metrics scrape's ledger read, a GET /api/tasks page (first, and
 * behind a deep cursor) and the prune cost when the partitioned TaskRun holds many rows.
 *
 *   tsx bench/ledger.ts [--runs=200000]
 *
 * Needs DATABASE_URL's server (or the local one); works in a database of its own, dropped at
 * the end. Rows are written with SQL (generate_series), not through the queues: UUIDv7 ids
 * spread evenly over the last 40 days, each in its day's partition, one delivery per run
 * (bench/lib/ledger-fill.ts). The prune drops the days past the 30-day retention whole and
 * deletes the rest of the expired rows in batches.
 */
import { loadavg } from 'node:os';
import { createTestDatabase } from '@herald/db/testing';
import { pruneLedger, type PruneOptions } from '@herald/core';
import { checkLayout, fillLedger, SPAN_DAYS } from './lib/ledger-fill';
import { describePlan, explainList } from './lib/ledger-plan';
import { batchedRate, singleRowRate } from './lib/ledger-writes';

const runs = Number(
  process.argv.find((arg) => arg.startsWith('--runs='))?.slice('--runs='.length) ?? 200_000,
);
const say = (line: string) => process.stderr.write(`bench ledger: ${line}\n`);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const loadAtStart = load();

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
  const tenant = { organizationId: org.id, userId: user.id };
  let startedAt = performance.now();
  const fill = await fillLedger(pool, tenant, runs);
  const layout = await checkLayout(pool);
  say(
    `${runs} runs and deliveries written in ${((performance.now() - startedAt) / 1000).toFixed(1)} s, ` +
      `${fill.partitions} run partitions (${fill.daysCreated} days created)`,
  );
  if (layout.runsOutside || layout.deliveriesOutside || layout.timeMismatches) {
    throw new Error(
      `${layout.runsOutside} runs and ${layout.deliveriesOutside} deliveries outside a day partition, ` +
        `${layout.timeMismatches} ids whose time is not their createdAt`,
    );
  }

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
  const pageQuery = (withBound: boolean, at?: { id: string; createdAt: Date }) =>
    [
      `SELECT * FROM "TaskRun" WHERE "organizationId" = $1
       ${at ? `AND ${withBound ? '"createdAt" <= $2 AND' : ''} ("createdAt" < $2 OR ("createdAt" = $2 AND id < $3))` : ''}
       ORDER BY "createdAt" DESC, id DESC LIMIT 21`,
      at ? [org.id, at.createdAt, at.id] : [org.id],
    ] as const;
  const page = (withBound: boolean, at?: { id: string; createdAt: Date }) => {
    const [sql, params] = pageQuery(withBound, at);
    return pool.query(sql, [...params]);
  };
  const first = await time(50, () => page(true));
  const deep = await time(50, () => page(true, cursor));
  const deepBefore = await time(5, () => page(false, cursor));
  const detail = await time(100, () =>
    pool.query(
      `SELECT * FROM "TaskRun" r LEFT JOIN "NotificationDelivery" d ON d."runId" = r.id WHERE r.id = $1 AND r."organizationId" = $2`,
      [cursor.id, org.id],
    ),
  );
  const firstPlan = await explainList(pool, ...pageQuery(true));
  const deepPlan = await explainList(pool, ...pageQuery(true, cursor));

  const { rows: sizes } = await pool.query<{ runs: string; deliveries: string }>(
    `SELECT sum(pg_total_relation_size(c.oid)) FILTER (WHERE i.inhparent = '"TaskRun"'::regclass) AS runs,
       sum(pg_total_relation_size(c.oid)) FILTER (WHERE i.inhparent = '"NotificationDelivery"'::regclass) AS deliveries
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid`,
  );
  const bytesPerRun = Number(sizes[0]!.runs) / runs;
  const bytesPerDelivery = Number(sizes[0]!.deliveries) / runs;

  // The triggers' cost on the ledger's own write shapes, with the triggers and without. Without
  // first, then with: the order the figures would favour if the machine warmed up.
  await pool.query('ALTER TABLE "TaskRun" DISABLE TRIGGER USER');
  const withoutTriggers = await singleRowRate(pool, tenant);
  const batchedWithout = await batchedRate(pool, tenant);
  await pool.query('ALTER TABLE "TaskRun" ENABLE TRIGGER USER');
  await pool.query(`DELETE FROM "TaskRun" WHERE id = ANY($1::text[])`, [
    [...withoutTriggers.ids, ...batchedWithout.ids],
  ]);
  const withTriggers = await singleRowRate(pool, tenant);
  const batchedWith = await batchedRate(pool, tenant);

  // The prune, with the batched writes running beside it for as long as it lasts. The drops'
  // log lines time the partition phase; the rest of the prune is the batched deletes.
  let dropsEndedAt = 0;
  const postponed: string[] = [];
  const logger = {
    info: (_fields: unknown, message?: string) => {
      if (message === 'ledger partition dropped') dropsEndedAt = performance.now();
    },
    warn: (fields: { partition?: string }) => postponed.push(fields.partition ?? '?'),
  } as unknown as NonNullable<PruneOptions['logger']>;
  startedAt = performance.now();
  const pruning = pruneLedger(
    pool,
    { runRetentionDays: 30, deliveryRetentionDays: 30 },
    { pauseMs: 20, logger },
  );
  const duringPrune = await batchedRate(pool, tenant, pruning);
  const report = await pruning;
  const pruneEndedAt = performance.now();
  const pruneSeconds = (pruneEndedAt - startedAt) / 1000;
  const dropSeconds = dropsEndedAt ? (dropsEndedAt - startedAt) / 1000 : 0;
  const droppedRuns = report.partitions.reduce((sum, partition) => sum + partition.runs, 0);
  const droppedDeliveries = report.partitions.reduce((sum, partition) => sum + partition.deliveries, 0);
  const batchRows = report.runs - droppedRuns + report.deliveries - droppedDeliveries;
  const batchSeconds = (pruneEndedAt - (dropsEndedAt || startedAt)) / 1000;

  const f = (t: { p50: number; p99: number }) => `p50 ${t.p50.toFixed(2)} ms, p99 ${t.p99.toFixed(2)} ms`;
  const n = (value: number) => Math.round(value).toLocaleString('en-US');
  process.stdout.write(
    [
      `ledger at ${runs} runs (+ ${runs} deliveries), UUIDv7 ids over ${SPAN_DAYS} days in ${fill.partitions} run partitions`,
      `  load average at start ${loadAtStart}, at the end ${load()}`,
      `  /metrics ledger read, LedgerCount      ${f(counts)}`,
      `  /metrics ledger read, count(*) (before) ${f(scans)}`,
      `  GET /api/tasks first page (SQL)         ${f(first)}`,
      `  GET /api/tasks deep cursor (SQL)        ${f(deep)}`,
      `  deep cursor without the bound (before)  ${f(deepBefore)}`,
      `  GET /api/tasks/:id (SQL)                ${f(detail)}`,
      `  plan, first page:  ${describePlan(firstPlan)}`,
      `  plan, deep cursor: ${describePlan(deepPlan)}`,
      `  size: ${Math.round(bytesPerRun)} B a run, ${Math.round(bytesPerDelivery)} B a delivery (partitions + indexes, empty input/result)`,
      `  runs written and ended one statement at a time, 8 connections: ${n(withTriggers.perSecond)}/s with the count triggers,` +
        ` ${n(withoutTriggers.perSecond)}/s without`,
      `  runs written and ended 100 a statement, 4 connections: ${n(batchedWith.perSecond)}/s with the count triggers,` +
        ` ${n(batchedWithout.perSecond)}/s without, ${n(duringPrune.perSecond)}/s with them while the prune runs` +
        ` (${duringPrune.ids.length} runs; longest statement ${duringPrune.longestMs.toFixed(0)} ms,` +
        ` ${batchedWith.longestMs.toFixed(0)} ms without the prune)`,
      `  prune: ${n(report.runs)} runs + ${n(report.deliveries)} deliveries in ${pruneSeconds.toFixed(2)} s` +
        ` (${n((report.runs + report.deliveries) / pruneSeconds)} rows/s)`,
      `    ${report.partitions.length} day partition pairs dropped whole (${n(droppedRuns)} runs + ${n(droppedDeliveries)} deliveries)` +
        ` in ${dropSeconds.toFixed(2)} s${postponed.length ? `, ${postponed.length} drops postponed` : ''}`,
      `    then ${n(batchRows)} rows batch-deleted (${n(report.runs - droppedRuns)} runs + ${n(report.deliveries - droppedDeliveries)} deliveries)` +
        ` in ${batchSeconds.toFixed(2)} s, 1000-row batches, 20 ms pauses`,
    ].join('\n') + '\n',
  );
} finally {
  await testDb.drop();
}
