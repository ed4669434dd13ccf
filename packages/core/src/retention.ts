import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from 'pino';
import { PRUNE_BATCH_SIZE, TERMINAL_STATUSES } from './constants';
import { partitionName } from './partition-ranges';
import { countExpiredSignIns, removeExpiredSignIns, type ExpiredSignIns } from './expired-sign-ins';
import { dropExpiredPartition, findExpiredPartitions, type ExpiredPartition } from './partition-retention';

/** How long the ledger keeps what has ended. */
export interface RetentionPolicy {
  runRetentionDays: number;
  deliveryRetentionDays: number;
}

/** RUN_RETENTION_DAYS, and DELIVERY_RETENTION_DAYS defaulting to it. */
export function retentionPolicyOf(config: {
  RUN_RETENTION_DAYS: number;
  DELIVERY_RETENTION_DAYS?: number | undefined;
}): RetentionPolicy {
  return {
    runRetentionDays: config.RUN_RETENTION_DAYS,
    deliveryRetentionDays: config.DELIVERY_RETENTION_DAYS ?? config.RUN_RETENTION_DAYS,
  };
}

export interface PruneReport {
  /** Runs removed (or, for a dry run, that would be), dropped partitions' included. */
  runs: number;
  /** Deliveries removed: those of the removed runs and those older than the delivery cut-off. */
  deliveries: number;
  /** Finished runs that ended before this go. */
  runsBefore: Date;
  /** Ended deliveries written before this go. */
  deliveriesBefore: Date;
  /** Day partitions dropped whole (or that would be), with their rows; the rest is deleted in batches. */
  partitions: ExpiredPartition[];
  /** The console's expired sign-in links and sessions, removed along with the ledger's rows. */
  signIns: ExpiredSignIns;
  dryRun: boolean;
}

export interface PruneOptions {
  /** Rows per statement: each batch is its own short transaction. */
  batchSize?: number;
  /** Pause between batches, so the ledger's writers get the disk between them. */
  pauseMs?: number;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** Stops between two batches (a worker shutting down); what was removed stays removed. */
  signal?: AbortSignal;
}

const TERMINAL = `(${TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ')})`;

// The rule for both the dry run and the real one. A run with a pending delivery stays, whatever
// its age: removing it would cascade to the delivery before it is sent.
const REMOVABLE_RUN = `r.status IN ${TERMINAL} AND r."finishedAt" < $1
  AND NOT EXISTS (SELECT 1 FROM "NotificationDelivery" p WHERE p."runId" = r.id AND p.status = 'pending')`;
const oldDelivery = (cutoff: string) => `d.status <> 'pending' AND d."createdAt" < ${cutoff}`;

async function cutoffs(
  pool: pg.Pool,
  policy: RetentionPolicy,
): Promise<{ runsBefore: Date; deliveriesBefore: Date }> {
  // The database's clock, as every timestamp in the ledger is written by it.
  const { rows } = await pool.query<{ runs_before: Date; deliveries_before: Date }>(
    `SELECT now() - $1::int * interval '1 day' AS runs_before, now() - $2::int * interval '1 day' AS deliveries_before`,
    [policy.runRetentionDays, policy.deliveryRetentionDays],
  );
  const row = rows[0]!;
  return { runsBefore: row.runs_before, deliveriesBefore: row.deliveries_before };
}

/** What pruneLedger would remove now, counted without changing anything. */
export async function planPrune(pool: pg.Pool, policy: RetentionPolicy): Promise<PruneReport> {
  const { runsBefore, deliveriesBefore } = await cutoffs(pool, policy);
  const partitions = await findExpiredPartitions(pool, runsBefore, { withCounts: true });
  // Rows in the partitions that would be dropped are counted there, not again as batch deletes.
  const { rows } = await pool.query<{ runs: string; deliveries: string }>(
    `SELECT (SELECT count(*) FROM "TaskRun" r WHERE ${REMOVABLE_RUN} AND r.tableoid <> ALL($3::regclass[])) AS runs,
       (SELECT count(*) FROM "NotificationDelivery" d
        WHERE d.tableoid <> ALL($4::regclass[]) AND (${oldDelivery('$2')}
          OR d.status <> 'pending' AND EXISTS (SELECT 1 FROM "TaskRun" r WHERE r.id = d."runId" AND ${REMOVABLE_RUN}))) AS deliveries`,
    [
      runsBefore,
      deliveriesBefore,
      partitions.map((partition) => partitionName('TaskRun', partition.suffix)),
      partitions.map((partition) => partitionName('NotificationDelivery', partition.suffix)),
    ],
  );
  const row = rows[0]!;
  return {
    runs: Number(row.runs) + partitions.reduce((sum, partition) => sum + partition.runs, 0),
    deliveries: Number(row.deliveries) + partitions.reduce((sum, partition) => sum + partition.deliveries, 0),
    runsBefore,
    deliveriesBefore,
    partitions,
    signIns: await countExpiredSignIns(pool),
    dryRun: true,
  };
}

/**
 * Drops the day partitions that hold nothing to keep (partition-retention.ts), then removes what
 * is left to remove in batches: ended deliveries past DELIVERY_RETENTION_DAYS, then finished runs past
 * RUN_RETENTION_DAYS with their deliveries, a batch per statement. Rows another transaction
 * holds are skipped (SKIP LOCKED), never waited for: a run being written is left to a later
 * pass, and two pruners at once remove each row once. Unfinished runs and pending deliveries
 * never match.
 */
export async function pruneLedger(
  pool: pg.Pool,
  policy: RetentionPolicy,
  options: PruneOptions = {},
): Promise<PruneReport> {
  const batchSize = options.batchSize ?? PRUNE_BATCH_SIZE;
  const { runsBefore, deliveriesBefore } = await cutoffs(pool, policy);
  const report: PruneReport = {
    runs: 0,
    deliveries: 0,
    runsBefore,
    deliveriesBefore,
    partitions: [],
    signIns: { links: 0, sessions: 0 },
    dryRun: false,
  };
  const startedAt = performance.now();

  for (const { suffix } of await findExpiredPartitions(pool, runsBefore)) {
    if (options.signal?.aborted) break;
    const dropped = await dropExpiredPartition(pool, suffix, runsBefore, options.logger);
    if (!dropped) continue;
    report.partitions.push(dropped);
    report.runs += dropped.runs;
    report.deliveries += dropped.deliveries;
  }

  // The batches name their rows by partition key (= ANY of an array, not a join), so PostgreSQL
  // looks only in the partitions that hold them instead of scanning every day of the ledger.
  for (;;) {
    const { rowCount } = await pool.query(
      `WITH doomed AS (
         SELECT d.id, d."runId" FROM "NotificationDelivery" d WHERE ${oldDelivery('$1')} LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       DELETE FROM "NotificationDelivery" x
       WHERE x."runId" = ANY(ARRAY(SELECT "runId" FROM doomed)) AND x.id = ANY(ARRAY(SELECT id FROM doomed))`,
      [deliveriesBefore, batchSize],
    );
    report.deliveries += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize || options.signal?.aborted) break;
    if (options.pauseMs) await sleep(options.pauseMs);
  }

  while (!options.signal?.aborted) {
    const { rows } = await pool.query<{ runs: string; deliveries: string }>(
      `WITH doomed AS (
         SELECT r.id FROM "TaskRun" r WHERE ${REMOVABLE_RUN} LIMIT $2 FOR UPDATE SKIP LOCKED
       ), gone_deliveries AS (
         DELETE FROM "NotificationDelivery" x WHERE x."runId" = ANY(ARRAY(SELECT id FROM doomed)) RETURNING 1
       ), gone_runs AS (
         DELETE FROM "TaskRun" x WHERE x.id = ANY(ARRAY(SELECT id FROM doomed)) RETURNING 1
       )
       SELECT (SELECT count(*) FROM gone_runs) AS runs, (SELECT count(*) FROM gone_deliveries) AS deliveries`,
      [runsBefore, batchSize],
    );
    const runs = Number(rows[0]?.runs ?? 0);
    report.runs += runs;
    report.deliveries += Number(rows[0]?.deliveries ?? 0);
    if (runs < batchSize || options.signal?.aborted) break;
    if (options.pauseMs) await sleep(options.pauseMs);
  }

  if (!options.signal?.aborted) report.signIns = await removeExpiredSignIns(pool);

  options.logger?.info(
    {
      runs: report.runs,
      deliveries: report.deliveries,
      droppedPartitions: report.partitions.map((partition) => partition.suffix),
      signIns: report.signIns,
      runsBefore,
      deliveriesBefore,
      durationMs: Math.round(performance.now() - startedAt),
    },
    'ledger pruned',
  );
  return report;
}
