/**
 * Scenario 1: silent no-op tasks. Herald (enqueueMany, then the task worker writing each run's
 * start and end to the ledger) against a stock BullMQ worker whose processor does nothing.
 * Both workers run in a child process of their own with the same concurrency; both queues are
 * filled in bulk first, then the worker starts. Both sides on Redis, or both on BullMQ's
 * PostgreSQL backend (in the bench database, as a one-database deployment runs).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startChild } from '../lib/child.ts';
import { cpuBetween, snapshotCpu, type CpuUse } from '../lib/cpu.ts';
import { chunks, createBenchClient, seconds } from '../lib/client.ts';
import {
  createRawQueue,
  dropBenchQueues,
  prepareBenchQueues,
  rawPostgresConnection,
  type BenchBackend,
} from '../lib/queue-backend.ts';
import { REDIS_URL, type BenchSetup } from '../lib/setup.ts';
import { noopTask } from '../lib/tasks.ts';

const ENQUEUE_CHUNK = 1_000;

export interface NoopSide {
  enqueueSeconds: number;
  drainSeconds: number;
  peakRssMb: number;
  cpuMs: number;
  /** Cores busy while the worker drained the queue. */
  cores: CpuUse;
}

export interface NoopResult {
  backend: BenchBackend;
  jobs: number;
  concurrency: number;
  raw: NoopSide;
  herald: NoopSide;
  /** Runs the ledger holds as succeeded after Herald's run: must equal jobs. */
  ledgerSucceeded: number;
  /** Succeeded runs without a start time, or ending before they started: must be 0. */
  ledgerBadTimes: number;
  /** Transactions committed in the bench database while Herald's worker drained the queue. */
  ledgerStatements: number;
  /** On PostgreSQL, the same while the raw worker drained its queue (BullMQ's own transactions). */
  rawStatements: number | null;
}

/** Committed transactions in the bench database; PostgreSQL publishes the count within a second. */
async function commits(setup: BenchSetup): Promise<number> {
  await sleep(1_100);
  const { rows } = await setup.testDb.db.pool.query<{ commits: string }>(
    'SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0]?.commits ?? 0);
}

export async function runNoop(
  setup: BenchSetup,
  { jobs, concurrency, backend = 'redis' }: { jobs: number; concurrency: number; backend?: BenchBackend },
): Promise<NoopResult> {
  const onPostgres = backend === 'postgres';
  const rawPrefix = setup.newPrefix(onPostgres ? 'raw-noop-pg' : 'raw-noop');
  const heraldPrefix = setup.newPrefix(onPostgres ? 'herald-noop-pg' : 'herald-noop');
  await prepareBenchQueues(setup, backend, rawPrefix, 'raw');
  await prepareBenchQueues(setup, backend, heraldPrefix, 'herald');
  const [rawChild, heraldChild] = await Promise.all([
    startChild({
      kind: 'raw-noop',
      prefix: rawPrefix,
      redisUrl: REDIS_URL,
      concurrency,
      queueBackend: backend,
      postgresConnection: onPostgres ? rawPostgresConnection(setup, rawPrefix, 'worker') : undefined,
    }),
    startChild({
      kind: 'herald-tasks',
      prefix: heraldPrefix,
      redisUrl: REDIS_URL,
      databaseUrl: setup.testDb.url,
      concurrency,
      queueBackend: backend,
    }),
  ]);

  // Raw BullMQ.
  const queue = createRawQueue(setup, backend, rawPrefix);
  let startedAt = performance.now();
  for (const chunk of chunks(jobs, ENQUEUE_CHUNK)) {
    await queue.addBulk(chunk.map((n) => ({ name: 'noop', data: { n } })));
  }
  const rawEnqueue = seconds(startedAt);
  const rawCommitsBefore = onPostgres ? await commits(setup) : 0;
  let cpuAt = await snapshotCpu(setup.redis);
  startedAt = performance.now();
  await rawChild.go();
  await rawChild.waitFor(jobs);
  const rawDrain = seconds(startedAt);
  const rawCores = cpuBetween(cpuAt, await snapshotCpu(setup.redis));
  const rawStats = await rawChild.stop();
  const rawStatements = onPostgres ? (await commits(setup)) - rawCommitsBefore : null;
  await queue.close();
  await dropBenchQueues(setup, backend, rawPrefix);

  // Herald.
  const bench = createBenchClient(setup, heraldPrefix, backend);
  startedAt = performance.now();
  for (const chunk of chunks(jobs, ENQUEUE_CHUNK)) {
    await bench.client.enqueueMany(
      noopTask.name,
      chunk.map((n) => ({ n })),
      setup.tenant,
    );
  }
  const heraldEnqueue = seconds(startedAt);
  const commitsBefore = await commits(setup);
  cpuAt = await snapshotCpu(setup.redis);
  startedAt = performance.now();
  await heraldChild.go();
  await heraldChild.waitFor(jobs);
  const heraldDrain = seconds(startedAt);
  const heraldCores = cpuBetween(cpuAt, await snapshotCpu(setup.redis));
  const heraldStats = await heraldChild.stop();
  const ledgerStatements = (await commits(setup)) - commitsBefore;
  await bench.close();
  await dropBenchQueues(setup, backend, heraldPrefix);
  const { rows } = await setup.testDb.db.pool.query<{ count: string; bad: string }>(
    `SELECT count(*) AS count,
       count(*) FILTER (WHERE "startedAt" IS NULL OR "finishedAt" IS NULL OR "finishedAt" < "startedAt") AS bad
     FROM "TaskRun" WHERE task = $1 AND status = 'succeeded'`,
    [noopTask.name],
  );
  await setup.testDb.db.pool.query(`DELETE FROM "TaskRun" WHERE task = $1`, [noopTask.name]);

  return {
    backend,
    jobs,
    concurrency,
    raw: { enqueueSeconds: rawEnqueue, drainSeconds: rawDrain, ...rawStats, cores: rawCores },
    herald: { enqueueSeconds: heraldEnqueue, drainSeconds: heraldDrain, ...heraldStats, cores: heraldCores },
    ledgerSucceeded: Number(rows[0]?.count ?? 0),
    ledgerBadTimes: Number(rows[0]?.bad ?? 0),
    ledgerStatements,
    rawStatements,
  };
}
