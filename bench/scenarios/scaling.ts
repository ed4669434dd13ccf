/**
 * The scaling run: scenario 1's no-op tasks drained by 1, 2 and 4 Herald worker processes on
 * the same Redis and database, each with the same concurrency.
 */
import { cpus } from 'node:os';
import { startChild } from '../lib/child.ts';
import { cpuBetween, snapshotCpu, type CpuUse } from '../lib/cpu.ts';
import { chunks, createBenchClient, seconds } from '../lib/client.ts';
import { REDIS_URL, type BenchSetup } from '../lib/setup.ts';
import { rate } from '../lib/table.ts';
import { noopTask } from '../lib/tasks.ts';

export interface ScalingPoint {
  processes: number;
  jobsPerSecond: number;
  /** Cores busy on average (2.0 is both of 2): the worker processes, PostgreSQL, Redis, the whole machine. */
  cores: { workers: number } & CpuUse;
}

export async function runScaling(
  setup: BenchSetup,
  { jobs, concurrency, counts }: { jobs: number; concurrency: number; counts: number[] },
): Promise<ScalingPoint[]> {
  // The processes are started once and take part in every round they fit in: a round differs
  // only in how many of them drain its queue.
  const children = await Promise.all(
    Array.from({ length: Math.max(...counts) }, () =>
      startChild({
        kind: 'herald-tasks',
        prefix: setup.newPrefix('scale-idle'),
        redisUrl: REDIS_URL,
        databaseUrl: setup.testDb.url,
        concurrency,
      }),
    ),
  );
  const points: ScalingPoint[] = [];
  try {
    for (const processes of counts) {
      const prefix = setup.newPrefix(`scale-${processes}`);
      const round = children.slice(0, processes);
      const bench = createBenchClient(setup, prefix);
      for (const chunk of chunks(jobs, 1_000)) {
        await bench.client.enqueueMany(
          noopTask.name,
          chunk.map((n) => ({ n })),
          setup.tenant,
        );
      }
      const cpuAt = await snapshotCpu(setup.redis);
      const startedAt = performance.now();
      await Promise.all(round.map((child) => child.go(prefix)));
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          const done = round.reduce((sum, child) => sum + (child.completed[noopTask.name] ?? 0), 0);
          if (done >= jobs) {
            clearInterval(timer);
            resolve();
          } else if (seconds(startedAt) > 300) {
            clearInterval(timer);
            reject(new Error(`scaling ${processes}: ${done} of ${jobs} after 300 s`));
          }
        }, 10);
      });
      const wall = seconds(startedAt);
      const cpu = cpuBetween(cpuAt, await snapshotCpu(setup.redis));
      const stats = await Promise.all(round.map((child) => child.pause()));
      points.push({
        processes,
        jobsPerSecond: jobs / wall,
        cores: { workers: stats.reduce((sum, stat) => sum + stat.cpuMs, 0) / 1000 / wall, ...cpu },
      });
      await bench.close();
      await setup.dropPrefix(prefix);
      await setup.testDb.db.pool.query(`DELETE FROM "TaskRun" WHERE task = $1`, [noopTask.name]);
    }
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
  return points;
}

/** The scaling lines under the table: each round's rate and cores, and why the curve flattens. */
export function describeScaling(points: ScalingPoint[]): string[] {
  const cores = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '?');
  const lines = points.map(
    ({ processes, jobsPerSecond, cores: used }) =>
      `  ${String(processes).padStart(2)} process${processes === 1 ? ' ' : 'es'}  ${rate(jobsPerSecond, 'jobs/s').padStart(13)}` +
      `   cores busy: workers ${cores(used.workers)}, PostgreSQL ${cores(used.postgres)}, Redis ${cores(used.redis)}, ` +
      `anything else ${cores(used.machine - used.workers - used.postgres - used.redis)}; machine ${cores(used.machine)} of ${cpus().length}`,
  );
  const one = points[0]!;
  const best = points.reduce((a, b) => (b.jobsPerSecond > a.jobsPerSecond ? b : a), one);
  const busiest = points.reduce((a, b) => (b.cores.machine > a.cores.machine ? b : a), one);
  lines.push(
    `  Best: ${best.processes} process${best.processes === 1 ? '' : 'es'}, ${(best.jobsPerSecond / one.jobsPerSecond).toFixed(2)}× one process. ` +
      `The curve flattens where the machine runs out of cores (${cores(busiest.cores.machine)} of ${cpus().length} busy): ` +
      'every run is a BullMQ job move in Redis (single-threaded) plus its share of a ledger statement and WAL flush ' +
      'in PostgreSQL, on the same two cores as the workers (and as anything else running), so another worker process ' +
      'only splits the same CPU into smaller ledger batches and more context switches. With cores to spare, a ' +
      "process's throughput is bounded by its concurrency over the time a job waits for its ledger commit.",
  );
  return lines;
}
