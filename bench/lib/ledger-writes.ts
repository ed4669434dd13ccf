/**
 * The ledger's own write shapes, timed: runs inserted queued and then ended, with ids from
 * newRunId (so they go to today's partition, as a real run's do).
 */
import type pg from 'pg';
import { newRunId } from '@herald/core';

export interface WriteRate {
  /** Runs written and ended a second. */
  perSecond: number;
  /** The longest single statement, in ms: a wait behind a partition's lock shows here. */
  longestMs: number;
  ids: string[];
}

async function timed(longest: { ms: number }, run: () => Promise<unknown>): Promise<void> {
  const startedAt = performance.now();
  await run();
  longest.ms = Math.max(longest.ms, performance.now() - startedAt);
}

/** Single-row statements from 8 connections at once (the worst case for the counter rows). */
export async function singleRowRate(
  pool: pg.Pool,
  tenant: { organizationId: string; userId: string },
): Promise<WriteRate> {
  const total = 4_000;
  const ids = Array.from({ length: total }, () => newRunId());
  const longest = { ms: 0 };
  const began = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async (_, worker) => {
      for (let i = worker; i < total; i += 8) {
        await timed(longest, () =>
          pool.query(
            `INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status) VALUES ($1, $2, $3, 'tests.execute', '{}', 'queued')`,
            [ids[i], tenant.organizationId, tenant.userId],
          ),
        );
        await timed(longest, () =>
          pool.query(`UPDATE "TaskRun" SET status = 'succeeded', "finishedAt" = now() WHERE id = $1`, [
            ids[i],
          ]),
        );
      }
    }),
  );
  return { perSecond: total / ((performance.now() - began) / 1000), longestMs: longest.ms, ids };
}

/**
 * As the run ledger writes: 100 runs a statement (its batcher), ended 100 at a time, from 4
 * connections; 20,000 runs, or, with `until`, batches until it settles (one at least).
 */
export async function batchedRate(
  pool: pg.Pool,
  tenant: { organizationId: string; userId: string },
  until?: Promise<unknown>,
): Promise<WriteRate> {
  let settled = false;
  void until?.then(
    () => (settled = true),
    () => (settled = true),
  );
  const total = 20_000;
  const ids: string[] = [];
  const longest = { ms: 0 };
  const began = performance.now();
  let written = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (;;) {
        if (until ? settled && written > 0 : written >= total) break;
        written += 100;
        const batch = Array.from({ length: 100 }, () => newRunId());
        ids.push(...batch);
        await timed(longest, () =>
          pool.query(
            `INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status)
             SELECT id, $2, $3, 'tests.execute', '{}', 'queued' FROM unnest($1::text[]) AS id`,
            [batch, tenant.organizationId, tenant.userId],
          ),
        );
        await timed(longest, () =>
          pool.query(
            `UPDATE "TaskRun" SET status = 'succeeded', "finishedAt" = now() WHERE id = ANY($1::text[])`,
            [batch],
          ),
        );
      }
    }),
  );
  return { perSecond: ids.length / ((performance.now() - began) / 1000), longestMs: longest.ms, ids };
}
