import type { Job, Queue } from 'bullmq';
import type pg from 'pg';
import { RUN_SWEEP_AGE_MS } from './constants';
import type { TaskJobData } from './jobs';

/** An unfinished run as the sweep reads it from the ledger. */
export interface UnfinishedRun {
  id: string;
  task: string;
  organizationId: string;
  userId: string;
  scheduleName: string | null;
  attempts: number;
}

export interface UnfinishedRunHandlers {
  /** The run's job was failed by BullMQ (e.g. stalled too often) and the ledger never heard of it. */
  onFailed(job: Job<TaskJobData>): Promise<unknown>;
  /** The run's job is gone from Redis (never added, or lost with its data): nothing will run it. */
  onLost(run: UnfinishedRun): Promise<unknown>;
}

interface SweptRow extends UnfinishedRun {
  /** As text: handed back as the next page's cursor exactly as PostgreSQL wrote it. */
  updatedAt: string;
}

/**
 * The run sweep: finds runs that the ledger still holds as queued, running or retrying although
 * their BullMQ job has ended without them (a worker died between BullMQ failing the job and the
 * ledger write) or no longer exists. Walks the unfinished runs a page at a time, oldest first, and
 * comes round again when it reaches the end, so a backlog of long-delayed runs never hides the
 * rest. Safe with many workers: every end is written only over an unfinished run.
 */
export function createRunSweep(
  pool: pg.Pool,
  queue: Queue<TaskJobData>,
  handlers: UnfinishedRunHandlers,
  { olderThanMs = RUN_SWEEP_AGE_MS, limit = 200 } = {},
) {
  let after: { updatedAt: string; id: string } | null = null;

  /** One page; returns how many runs it ended. */
  return async function sweepUnfinishedRuns(): Promise<number> {
    const { rows } = await pool.query<SweptRow>(
      `SELECT id, task, "organizationId", "userId", "scheduleName", attempts, "updatedAt"::text AS "updatedAt" FROM "TaskRun"
       WHERE status IN ('queued', 'running', 'retrying')
         AND "updatedAt" < now() - ($1::int * interval '1 millisecond')
         AND ($2::timestamp IS NULL OR ("updatedAt", id) > ($2::timestamp, $3::text))
       ORDER BY "updatedAt", id LIMIT $4`,
      [olderThanMs, after?.updatedAt ?? null, after?.id ?? '', limit],
    );
    const last = rows.at(-1);
    after = rows.length === limit && last ? { updatedAt: last.updatedAt, id: last.id } : null;
    let ended = 0;
    for (const run of rows) {
      const state = await queue.getJobState(run.id);
      if (state === 'failed') {
        const job = await queue.getJob(run.id);
        if (job) {
          await handlers.onFailed(job);
          ended++;
        }
      } else if (state === 'unknown') {
        await handlers.onLost(run);
        ended++;
      }
    }
    return ended;
  };
}
