import type pg from 'pg';
import type { Logger } from 'pino';
import { MAINTENANCE_QUEUE, PRUNE_BATCH_PAUSE_MS, PRUNE_INTERVAL_MS } from './constants';
import { ensureLedgerPartitions } from './ledger-partitions';
import type { QueueStore } from './queue-store';
import { pruneLedger, type PruneReport, type RetentionPolicy } from './retention';

export const PRUNE_SCHEDULER_ID = 'ledger-prune';
export const PRUNE_JOB = 'ledger.prune';

// Any constant works: it keeps two pruners (two workers, or a worker and `herald prune`) apart.
const PRUNE_LOCK_ID = 72_657_322;

export interface MaintenanceOptions {
  store: QueueStore;
  pool: pg.Pool;
  logger: Logger;
  policy: RetentionPolicy;
  everyMs?: number;
  batchSize?: number;
  pauseMs?: number;
}

/**
 * Keeps the ledger's day partitions ready ahead (emptying the default partition into them), then
 * prunes it, while holding a PostgreSQL advisory lock on a connection of its own; returns
 * null when another process holds it. The job scheduler makes one job per interval for the whole
 * fleet, and the lock keeps a slow pass and the next one (or a manual prune) from overlapping.
 */
export async function pruneLedgerExclusively(
  pool: pg.Pool,
  policy: RetentionPolicy,
  options: Parameters<typeof pruneLedger>[2] = {},
): Promise<PruneReport | null> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      PRUNE_LOCK_ID,
    ]);
    if (!rows[0]?.locked) return null;
    try {
      await ensureLedgerPartitions(pool, { logger: options.logger });
      return await pruneLedger(pool, policy, options);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRUNE_LOCK_ID]);
    }
  } finally {
    client.release();
  }
}

/**
 * The maintenance queue: a BullMQ job scheduler adds one prune job every `everyMs` and a
 * worker (concurrency 1) runs it. Every worker process runs one; each job goes to one of them.
 */
export async function startMaintenance(options: MaintenanceOptions) {
  const { store, pool, logger, policy } = options;
  const queue = store.queue(MAINTENANCE_QUEUE);
  await queue.upsertJobScheduler(
    PRUNE_SCHEDULER_ID,
    { every: options.everyMs ?? PRUNE_INTERVAL_MS },
    { name: PRUNE_JOB, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  const stopping = new AbortController();
  const worker = store.worker(
    MAINTENANCE_QUEUE,
    async () => {
      const report = await pruneLedgerExclusively(pool, policy, {
        batchSize: options.batchSize,
        pauseMs: options.pauseMs ?? PRUNE_BATCH_PAUSE_MS,
        logger,
        signal: stopping.signal,
      });
      if (!report) logger.info('ledger prune skipped: another process is pruning');
      return report;
    },
    { concurrency: 1 },
  );
  worker.on('failed', (_job, error) =>
    logger.warn({ err: error }, 'ledger prune failed; the next one retries'),
  );
  worker.on('error', (error) => logger.warn({ err: error }, 'maintenance worker error'));
  return {
    queue,
    worker,
    async close(): Promise<void> {
      stopping.abort();
      await worker.close();
      await queue.close();
    },
  };
}
