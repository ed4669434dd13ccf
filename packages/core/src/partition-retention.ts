import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from 'pino';
import { TERMINAL_STATUSES } from './constants';
import { PARTITION_LOCK_ATTEMPTS, PARTITION_LOCK_TIMEOUT_MS } from './ledger-partitions';
import {
  DELIVERY_TABLE,
  isLockTimeout,
  listRunPartitions,
  partitionName,
  RUN_TABLE,
  uuidv7Time,
} from './partition-ranges';

/** A day partition pair that retention drops whole, with the rows it holds (0 when not counted). */
export interface ExpiredPartition {
  suffix: string;
  runs: number;
  deliveries: number;
}

const TERMINAL = `(${TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ')})`;

// A day is dropped only when every run in it is one the batched rule would remove: ended before
// the cut-off, without a pending delivery. Each probe is an index lookup, not a count.
const keepsSomething = (runs: string, deliveries: string) => `
  EXISTS (SELECT 1 FROM ${runs} WHERE status NOT IN ${TERMINAL})
  OR EXISTS (SELECT 1 FROM ${runs} WHERE "finishedAt" IS NULL OR "finishedAt" >= $1)
  OR EXISTS (SELECT 1 FROM ${deliveries} WHERE status = 'pending')`;

/**
 * Day partitions whose whole day ended before `runsBefore` and that hold nothing to keep, with
 * their rows counted when `withCounts` (a dry run; a drop counts under its own lock).
 */
export async function findExpiredPartitions(
  db: pg.Pool | pg.PoolClient,
  runsBefore: Date,
  { withCounts = false }: { withCounts?: boolean } = {},
): Promise<ExpiredPartition[]> {
  const expired: ExpiredPartition[] = [];
  for (const partition of await listRunPartitions(db)) {
    const endMs = partition.to === null ? null : uuidv7Time(partition.to);
    if (!partition.isDay || endMs === null || endMs > runsBefore.getTime()) continue;
    const runs = partitionName(RUN_TABLE, partition.suffix);
    const deliveries = partitionName(DELIVERY_TABLE, partition.suffix);
    const { rows } = await db.query<{ kept: boolean }>(`SELECT ${keepsSomething(runs, deliveries)} AS kept`, [
      runsBefore,
    ]);
    if (rows[0]!.kept) continue;
    if (!withCounts) {
      expired.push({ suffix: partition.suffix, runs: 0, deliveries: 0 });
      continue;
    }
    const { rows: counts } = await db.query<{ runs: string; deliveries: string }>(
      `SELECT (SELECT count(*) FROM ${runs}) AS runs, (SELECT count(*) FROM ${deliveries}) AS deliveries`,
    );
    expired.push({
      suffix: partition.suffix,
      runs: Number(counts[0]!.runs),
      deliveries: Number(counts[0]!.deliveries),
    });
  }
  return expired;
}

/**
 * Drops one day's delivery partition, then its run partition, in one transaction, and takes
 * their rows off the /metrics counts (a dropped table fires no DELETE trigger). The two are
 * locked against writes while they are checked again and counted; the drops take a short
 * exclusive lock on the parents, waited for at most PARTITION_LOCK_TIMEOUT_MS at a time, so the
 * ledger's writers are never held up for long. Returns null when the day turned out to hold
 * something to keep, or the locks could not be had (the next pass tries again).
 */
export async function dropExpiredPartition(
  pool: pg.Pool,
  suffix: string,
  runsBefore: Date,
  logger?: Pick<Logger, 'info' | 'warn'>,
): Promise<ExpiredPartition | null> {
  const runs = partitionName(RUN_TABLE, suffix);
  const deliveries = partitionName(DELIVERY_TABLE, suffix);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = ${PARTITION_LOCK_TIMEOUT_MS}`);
    // Blocks writes, and a second pruner (SHARE ROW EXCLUSIVE conflicts with itself).
    await client.query(`LOCK TABLE ${deliveries}, ${runs} IN SHARE ROW EXCLUSIVE MODE`);
    const { rows: check } = await client.query<{ kept: boolean }>(
      `SELECT ${keepsSomething(runs, deliveries)} AS kept`,
      [runsBefore],
    );
    if (check[0]!.kept) {
      await client.query('ROLLBACK');
      return null;
    }
    const runCounts = await client.query<{ task: string; status: string; n: string }>(
      `SELECT task, status::text AS status, count(*) AS n FROM ${runs} GROUP BY task, status`,
    );
    const deliveryCounts = await client.query<{ status: string; n: string }>(
      `SELECT status::text AS status, count(*) AS n FROM ${deliveries} GROUP BY status`,
    );
    if (!(await dropBoth(client, deliveries, runs))) {
      await client.query('ROLLBACK');
      logger?.warn({ partition: suffix }, 'ledger partition drop postponed: its tables stayed busy');
      return null;
    }
    const counts = [
      ...runCounts.rows.map((row) => ({ kind: 'run', task: row.task, status: row.status, n: row.n })),
      ...deliveryCounts.rows.map((row) => ({ kind: 'delivery', task: '', status: row.status, n: row.n })),
    ];
    // The counters' rule: rows upserted in key order, on this backend's shard.
    await client.query(
      `INSERT INTO "LedgerCount" (kind, task, status, shard, count)
       SELECT c.kind, c.task, c.status, pg_backend_pid() % 16, -c.n
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS c(kind, task, status, n)
       ORDER BY c.kind, c.task, c.status
       ON CONFLICT (kind, task, status, shard) DO UPDATE SET count = "LedgerCount".count + EXCLUDED.count`,
      [
        counts.map((c) => c.kind),
        counts.map((c) => c.task),
        counts.map((c) => c.status),
        counts.map((c) => c.n),
      ],
    );
    await client.query('COMMIT');
    const dropped = {
      suffix,
      runs: runCounts.rows.reduce((sum, row) => sum + Number(row.n), 0),
      deliveries: deliveryCounts.rows.reduce((sum, row) => sum + Number(row.n), 0),
    };
    logger?.info(
      { partition: suffix, runs: dropped.runs, deliveries: dropped.deliveries },
      'ledger partition dropped',
    );
    return dropped;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (isLockTimeout(error)) {
      logger?.warn({ partition: suffix }, 'ledger partition drop postponed: its partitions stayed busy');
      return null;
    }
    // Another pruner dropped it first.
    const { rows } = await client.query<{ gone: boolean }>('SELECT to_regclass($1) IS NULL AS gone', [runs]);
    if (rows[0]?.gone) return null;
    throw error;
  } finally {
    client.release();
  }
}

// The delivery partition first: the run partition's only dependent is its key. A lock wait that
// times out is rolled back to the savepoint and tried again, keeping the counts already read.
async function dropBoth(client: pg.PoolClient, deliveries: string, runs: string): Promise<boolean> {
  for (let attempt = 1; attempt <= PARTITION_LOCK_ATTEMPTS; attempt += 1) {
    await client.query('SAVEPOINT drop_partitions');
    try {
      await client.query(`DROP TABLE ${deliveries}`);
      await client.query(`DROP TABLE ${runs}`);
      await client.query('RELEASE SAVEPOINT drop_partitions');
      return true;
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT drop_partitions');
      if (!isLockTimeout(error)) throw error;
      await sleep(attempt * 200);
    }
  }
  return false;
}
