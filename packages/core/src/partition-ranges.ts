import type pg from 'pg';

/** The schema that holds the ledger's partitions ("public" keeps schema.prisma's tables). */
export const PARTITION_SCHEMA = 'ledger_partitions';
export const RUN_TABLE = 'TaskRun';
export const DELIVERY_TABLE = 'NotificationDelivery';
export const PARTITION_DAY_MS = 86_400_000;

/** The smallest UUIDv7 text of a millisecond: the bound a partition's range starts at. */
export function uuidv7Floor(ms: number): string {
  const hex = Math.floor(ms).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

/** The creation time, in ms, a UUIDv7 carries; null for any other id. */
export function uuidv7Time(id: string): number | null {
  const match = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.exec(id);
  return match ? Number.parseInt(match[1]! + match[2]!, 16) : null;
}

/** One UTC day's range of ids; its partitions are "TaskRun_<suffix>" and "NotificationDelivery_<suffix>". */
export interface DayRange {
  suffix: string;
  from: string;
  to: string;
  startMs: number;
  endMs: number;
}

export function dayRangeOf(ms: number): DayRange {
  const startMs = Math.floor(ms / PARTITION_DAY_MS) * PARTITION_DAY_MS;
  const endMs = startMs + PARTITION_DAY_MS;
  const suffix = new Date(startMs).toISOString().slice(0, 10).replaceAll('-', '');
  return { suffix, from: uuidv7Floor(startMs), to: uuidv7Floor(endMs), startMs, endMs };
}

/** A run partition and its bounds (null: MINVALUE / MAXVALUE); `isDay` for "TaskRun_YYYYMMDD". */
export interface LedgerPartition {
  suffix: string;
  isDefault: boolean;
  isDay: boolean;
  from: string | null;
  to: string | null;
}

/** The qualified, quoted name of a partition of `table`. */
export function partitionName(table: typeof RUN_TABLE | typeof DELIVERY_TABLE, suffix: string): string {
  return `"${PARTITION_SCHEMA}"."${table}_${suffix}"`;
}

const BOUND = /FROM \((?:'([^']*)'|MINVALUE)\) TO \((?:'([^']*)'|MAXVALUE)\)/;

/** The partitions of "TaskRun"; each has its twin in "NotificationDelivery" (same suffix, same bounds). */
export async function listRunPartitions(db: pg.Pool | pg.PoolClient): Promise<LedgerPartition[]> {
  const { rows } = await db.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = '"TaskRun"'::regclass ORDER BY c.relname`,
  );
  return rows.map(({ name, bound }) => {
    const suffix = name.slice(RUN_TABLE.length + 1);
    const match = BOUND.exec(bound);
    return {
      suffix,
      isDefault: bound === 'DEFAULT',
      isDay: /^\d{8}$/.test(suffix),
      from: match?.[1] ?? null,
      to: match?.[2] ?? null,
    };
  });
}

/** Whether [from, to) meets a range partition. Bounds are lower-case UUIDs of one shape, which sort the same as bytes (here) and as text in PostgreSQL. */
export function overlapsAny(range: { from: string; to: string }, partitions: LedgerPartition[]): boolean {
  return partitions.some(
    (partition) =>
      !partition.isDefault &&
      (partition.from === null || partition.from < range.to) &&
      (partition.to === null || range.from < partition.to),
  );
}

/** Runs a step again after PostgreSQL gave up waiting for a lock (lock_timeout: SQLSTATE 55P03). */
export function isLockTimeout(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '55P03';
}
