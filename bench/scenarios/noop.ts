/**
 * Scenario 1: silent no-op tasks. Herald (enqueueMany, then the task worker writing each run's
 * start and end to the ledger) against a stock BullMQ worker whose processor does nothing.
 * Both workers run in a child process of their own with the same concurrency; both queues are
 * filled in bulk first, then the worker starts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { startChild } from '../lib/child.ts';
import { cpuBetween, snapshotCpu, type CpuUse } from '../lib/cpu.ts';
import { chunks, createBenchClient, seconds } from '../lib/client.ts';
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
}

/** Committed transactions in the bench database; PostgreSQL publishes the count within a second. */
async function commits(setup: BenchSetup): Promise<number> {
  await sleep(1_100);
  const { rows } = await setup.testDb.db.pool.query<{ commits: string }>(
    'SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0]?.commits ?? 0);
}

export async function runNoop(setup: BenchSetup, { jobs, concurrency }: { jobs: number; concurrency: number }): Promise<NoopResult> {
  const rawPrefix = setup.newPrefix('raw-noop');
  const heraldPrefix = setup.newPrefix('herald-noop');
  const [rawChild, heraldChild] = await Promise.all([
    startChild({ kind: 'raw-noop', prefix: rawPrefix, redisUrl: REDIS_URL, concurrency }),
    startChild({ kind: 'herald-tasks', prefix: heraldPrefix, redisUrl: REDIS_URL, databaseUrl: setup.testDb.url, concurrency }),
  ]);

  // Raw BullMQ.
  const queue = new Queue('tasks', { connection: setup.redis, prefix: rawPrefix });
  let startedAt = performance.now();
  for (const chunk of chunks(jobs, ENQUEUE_CHUNK)) {
    await queue.addBulk(chunk.map((n) => ({ name: 'noop', data: { n } })));
  }
  const rawEnqueue = seconds(startedAt);
  let cpuAt = await snapshotCpu(setup.redis);
  startedAt = performance.now();
  await rawChild.go();
  await rawChild.waitFor(jobs);
  const rawDrain = seconds(startedAt);
  const rawCores = cpuBetween(cpuAt, await snapshotCpu(setup.redis));
  const rawStats = await rawChild.stop();
  await queue.close();
  await setup.dropPrefix(rawPrefix);

  // Herald.
  const bench = createBenchClient(setup, heraldPrefix);
  startedAt = performance.now();
  for (const chunk of chunks(jobs, ENQUEUE_CHUNK)) {
    await bench.client.enqueueMany(noopTask.name, chunk.map((n) => ({ n })), setup.tenant);
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
  await setup.dropPrefix(heraldPrefix);
  const { rows } = await setup.testDb.db.pool.query<{ count: string; bad: string }>(
    `SELECT count(*) AS count,
       count(*) FILTER (WHERE "startedAt" IS NULL OR "finishedAt" IS NULL OR "finishedAt" < "startedAt") AS bad
     FROM "TaskRun" WHERE task = $1 AND status = 'succeeded'`,
    [noopTask.name],
  );
  await setup.testDb.db.pool.query(`DELETE FROM "TaskRun" WHERE task = $1`, [noopTask.name]);

  return {
    jobs,
    concurrency,
    raw: { enqueueSeconds: rawEnqueue, drainSeconds: rawDrain, ...rawStats, cores: rawCores },
    herald: { enqueueSeconds: heraldEnqueue, drainSeconds: heraldDrain, ...heraldStats, cores: heraldCores },
    ledgerSucceeded: Number(rows[0]?.count ?? 0),
    ledgerBadTimes: Number(rows[0]?.bad ?? 0),
    ledgerStatements,
  };
}
