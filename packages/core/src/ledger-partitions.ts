import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from 'pino';
import {
  dayRangeOf,
  DELIVERY_TABLE,
  isLockTimeout,
  listRunPartitions,
  overlapsAny,
  PARTITION_DAY_MS,
  partitionName,
  RUN_TABLE,
  uuidv7Time,
  type DayRange,
} from './partition-ranges';

/** Day partitions kept ready ahead of today. */
export const PARTITION_DAYS_AHEAD = 7;
/** How long a partition change waits for a lock before it lets the ledger's writers go first. */
export const PARTITION_LOCK_TIMEOUT_MS = 500;
export const PARTITION_LOCK_ATTEMPTS = 5;

export interface EnsurePartitionsOptions {
  daysAhead?: number;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

export interface EnsurePartitionsReport {
  /** Suffixes of the day partitions created (a "TaskRun_" and a "NotificationDelivery_" each). */
  created: string[];
  /** Rows moved out of the default partitions into the created ones. */
  movedRuns: number;
  movedDeliveries: number;
}

const RUN_DEFAULT = partitionName(RUN_TABLE, 'default');
const DELIVERY_DEFAULT = partitionName(DELIVERY_TABLE, 'default');

/**
 * Creates the day partitions from today to `daysAhead` days on, and one for each day a UUIDv7
 * found in the default partition belongs to, moving that day's rows out of the default: the
 * default partition only catches what was unexpected, and does not keep it.
 */
export async function ensureLedgerPartitions(
  pool: pg.Pool,
  options: EnsurePartitionsOptions = {},
): Promise<EnsurePartitionsReport> {
  const daysAhead = options.daysAhead ?? PARTITION_DAYS_AHEAD;
  // The database's clock: the one the partitions' days were first cut by.
  const { rows: clock } = await pool.query<{ ms: number }>(`SELECT extract(epoch FROM now()) * 1000 AS ms`);
  const nowMs = Number(clock[0]!.ms);
  const { rows: strays } = await pool.query<{ id: string }>(
    `SELECT DISTINCT ON (left(id, 13)) id FROM ${RUN_DEFAULT} WHERE id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-7'`,
  );
  const wanted = new Map<string, DayRange>();
  for (let day = 0; day <= daysAhead; day += 1) {
    const range = dayRangeOf(nowMs + day * PARTITION_DAY_MS);
    wanted.set(range.suffix, range);
  }
  for (const { id } of strays) {
    const ms = uuidv7Time(id);
    if (ms !== null) wanted.set(dayRangeOf(ms).suffix, dayRangeOf(ms));
  }

  const existing = await listRunPartitions(pool);
  const report: EnsurePartitionsReport = { created: [], movedRuns: 0, movedDeliveries: 0 };
  for (const range of [...wanted.values()].sort((a, b) => a.startMs - b.startMs)) {
    // A range some partition already covers (a day made before, or the permanent high range).
    if (overlapsAny(range, existing)) continue;
    let moved: { runs: number; deliveries: number };
    try {
      moved = await createDayPartitions(pool, range);
    } catch (error) {
      // The default partition takes the day's runs meanwhile; the next pass tries again.
      options.logger?.warn({ err: error, partition: range.suffix }, 'ledger partition not created');
      continue;
    }
    existing.push({ suffix: range.suffix, isDefault: false, isDay: true, from: range.from, to: range.to });
    report.created.push(range.suffix);
    report.movedRuns += moved.runs;
    report.movedDeliveries += moved.deliveries;
    options.logger?.info(
      { partition: range.suffix, from: range.from, to: range.to, ...moved },
      'ledger partition created',
    );
  }
  return report;
}

/**
 * One day's pair of partitions, made as plain tables, filled with that day's rows from the
 * default partitions, and attached; all in one transaction. Attaching takes a short exclusive
 * lock on the default partitions (PostgreSQL checks they hold nothing of the new range) and a
 * lock on the parents that lets reads and writes go on; lock_timeout bounds any wait, and the
 * whole step is tried again a little later.
 */
async function createDayPartitions(
  pool: pg.Pool,
  range: DayRange,
): Promise<{ runs: number; deliveries: number }> {
  const runs = partitionName(RUN_TABLE, range.suffix);
  const deliveries = partitionName(DELIVERY_TABLE, range.suffix);
  const client = await pool.connect();
  try {
    const from = client.escapeLiteral(range.from);
    const to = client.escapeLiteral(range.to);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL lock_timeout = ${PARTITION_LOCK_TIMEOUT_MS}`);
        await client.query(`SET LOCAL herald.moving_rows = 'on'`);
        await client.query(`LOCK TABLE ${RUN_DEFAULT}, ${DELIVERY_DEFAULT} IN ACCESS EXCLUSIVE MODE`);
        await client.query(`CREATE TABLE ${runs} (LIKE "TaskRun" INCLUDING DEFAULTS INCLUDING GENERATED)`);
        await client.query(
          `CREATE TABLE ${deliveries} (LIKE "NotificationDelivery" INCLUDING DEFAULTS INCLUDING GENERATED)`,
        );
        // Rows written to a partition by name fire no statement trigger of its parent, and
        // herald.moving_rows quiets the delivery partitions' own: the /metrics counts stay as
        // they are, the rows only move. Deliveries go first, so removing their runs from the
        // default cascades to nothing.
        const movedRuns = await client.query(
          `INSERT INTO ${runs} SELECT * FROM ${RUN_DEFAULT} WHERE id >= ${from} AND id < ${to}`,
        );
        const movedDeliveries = await client.query(
          `INSERT INTO ${deliveries} SELECT * FROM ${DELIVERY_DEFAULT} WHERE "runId" >= ${from} AND "runId" < ${to}`,
        );
        if (movedDeliveries.rowCount) {
          await client.query(`DELETE FROM ${DELIVERY_DEFAULT} WHERE "runId" >= ${from} AND "runId" < ${to}`);
        }
        if (movedRuns.rowCount)
          await client.query(`DELETE FROM ${RUN_DEFAULT} WHERE id >= ${from} AND id < ${to}`);
        await client.query(
          `ALTER TABLE "TaskRun" ATTACH PARTITION ${runs} FOR VALUES FROM (${from}) TO (${to})`,
        );
        await client.query(
          `ALTER TABLE ${deliveries} ADD CONSTRAINT ${client.escapeIdentifier(`${DELIVERY_TABLE}_${range.suffix}_runId_fkey`)}
           FOREIGN KEY ("runId") REFERENCES ${runs} (id) ON DELETE CASCADE ON UPDATE CASCADE`,
        );
        await client.query(
          `CREATE TRIGGER "NotificationDelivery_count_cascade" AFTER DELETE ON ${deliveries}
           REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_count_cascaded_deliveries()`,
        );
        await client.query(
          `ALTER TABLE "NotificationDelivery" ATTACH PARTITION ${deliveries} FOR VALUES FROM (${from}) TO (${to})`,
        );
        await client.query('COMMIT');
        return { runs: movedRuns.rowCount ?? 0, deliveries: movedDeliveries.rowCount ?? 0 };
      } catch (error) {
        await client.query('ROLLBACK');
        if (!isLockTimeout(error) || attempt >= PARTITION_LOCK_ATTEMPTS) throw error;
        await sleep(attempt * 200);
      }
    }
  } finally {
    client.release();
  }
}
