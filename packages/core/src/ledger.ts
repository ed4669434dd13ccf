import { createHash } from 'node:crypto';
import type pg from 'pg';
import { Batcher } from './batcher';
import { TERMINAL_STATUSES, type NotificationPhase, type RunState } from './constants';
import { retryWhileDatabaseDown } from './db-retry';
import type { NotificationRule } from './define-task';

export interface NewRun {
  id: string;
  organizationId: string;
  userId: string;
  task: string;
  input: unknown;
  maxAttempts: number;
  parentId?: string | null;
  scheduleName?: string | null;
}

export interface RunStart extends NewRun {
  attempt: number;
}

export interface RunEnd {
  id: string;
  organizationId: string;
  userId: string;
  status: Exclude<RunState, 'queued' | 'running'>;
  attempts: number;
  result?: unknown;
  error?: unknown;
  /** The last progress the run reported, kept once its job is gone from Redis. */
  progress?: unknown;
  /** Notifications to record with this state, in the same statement. */
  notifications: { rule: NotificationRule; phase: NotificationPhase; attempt: number }[];
}

export interface RunEndOutcome {
  /** False when the run was already terminal: nothing was written. */
  updated: boolean;
  /** Deliveries written now (pending), to be enqueued. */
  deliveryIds: string[];
}

const TERMINAL = `(${TERMINAL_STATUSES.map((status) => `'${status}'`).join(',')})`;
const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/** A stable id per idempotency key: a redelivered job computes the same delivery id. */
export function deliveryIdFor(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function idempotencyKey(runId: string, phase: string, attempt: number, channel: string, recipient: string): string {
  // A retrying notice is per attempt; every other phase happens once per run.
  const phaseKey = phase === 'retrying' ? `retrying#${attempt}` : phase;
  return `${runId}:${phaseKey}:${channel}:${recipient}`;
}

/**
 * The run ledger (TaskRun + NotificationDelivery), written in batches: one statement records
 * many runs' starts, another many runs' ends with their pending deliveries. Hot path: raw SQL.
 */
export class RunLedger {
  private readonly starts: Batcher<RunStart, boolean>;
  private readonly ends: Batcher<RunEnd, RunEndOutcome>;

  constructor(readonly pool: pg.Pool) {
    this.starts = new Batcher((items) => retryWhileDatabaseDown(() => this.writeStarts(items)), {
      maxSize: 200,
      maxWaitMs: 2,
    });
    this.ends = new Batcher((items) => retryWhileDatabaseDown(() => this.writeEnds(items)), {
      maxSize: 200,
      maxWaitMs: 2,
    });
  }

  /** Records runs as queued (at enqueue). */
  async insertQueued(runs: NewRun[]): Promise<void> {
    if (!runs.length) return;
    await this.pool.query(
      `INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status, "maxAttempts", "parentId", "scheduleName", "createdAt", "updatedAt")
       SELECT v.id, v.org, v.usr, v.task, v.input, 'queued', v.max, v.parent, v.sched, now(), now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::int[], $7::text[], $8::text[])
         AS v(id, org, usr, task, input, max, parent, sched)`,
      [
        runs.map((r) => r.id),
        runs.map((r) => r.organizationId),
        runs.map((r) => r.userId),
        runs.map((r) => r.task),
        runs.map((r) => json(r.input ?? {})),
        runs.map((r) => r.maxAttempts),
        runs.map((r) => r.parentId ?? null),
        runs.map((r) => r.scheduleName ?? null),
      ],
    );
  }

  /** Marks a run running; false when the ledger already holds its end (a redelivered job). */
  start(run: RunStart): Promise<boolean> {
    return this.starts.add(run);
  }

  /** Records a run's end (or a retry) and its pending deliveries, atomically. */
  end(run: RunEnd): Promise<RunEndOutcome> {
    return this.ends.add(run);
  }

  private async writeStarts(items: RunStart[]): Promise<boolean[]> {
    const unique = [...new Map(items.map((item) => [item.id, item])).values()];
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status, attempts, "maxAttempts", "parentId", "scheduleName", "startedAt", "createdAt", "updatedAt")
       SELECT v.id, v.org, v.usr, v.task, v.input, 'running', v.attempt, v.max, v.parent, v.sched, now(), now(), now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::int[], $7::int[], $8::text[], $9::text[])
         AS v(id, org, usr, task, input, attempt, max, parent, sched)
       ON CONFLICT (id) DO UPDATE SET status = 'running', attempts = EXCLUDED.attempts,
         "startedAt" = COALESCE("TaskRun"."startedAt", EXCLUDED."startedAt"), "updatedAt" = now()
       WHERE "TaskRun".status NOT IN ${TERMINAL}
       RETURNING id`,
      [
        unique.map((r) => r.id),
        unique.map((r) => r.organizationId),
        unique.map((r) => r.userId),
        unique.map((r) => r.task),
        unique.map((r) => json(r.input ?? {})),
        unique.map((r) => r.attempt),
        unique.map((r) => r.maxAttempts),
        unique.map((r) => r.parentId ?? null),
        unique.map((r) => r.scheduleName ?? null),
      ],
    );
    const started = new Set(rows.map((row) => row.id));
    return items.map((item) => started.has(item.id));
  }

  private async writeEnds(items: RunEnd[]): Promise<RunEndOutcome[]> {
    const unique = [...new Map(items.map((item) => [item.id, item])).values()];
    const deliveries = unique.flatMap((run) =>
      run.notifications.map(({ rule, phase, attempt }) => {
        const recipient = run.userId;
        const key = idempotencyKey(run.id, phase, attempt, rule.channel, recipient);
        return { id: deliveryIdFor(key), key, run, rule, phase, recipient };
      }),
    );
    const { rows } = await this.pool.query<{ kind: 'run' | 'delivery'; id: string; run_id: string }>(
      `WITH v AS (
         SELECT * FROM unnest($1::text[], $2::"RunStatus"[], $3::jsonb[], $4::jsonb[], $5::int[], $16::jsonb[])
           AS v(id, status, result, error, attempts, progress)
       ), upd AS (
         UPDATE "TaskRun" t SET status = v.status, result = v.result, error = v.error, attempts = v.attempts,
           progress = COALESCE(v.progress, t.progress),
           "finishedAt" = CASE WHEN v.status IN ${TERMINAL} THEN now() ELSE NULL END, "updatedAt" = now()
         FROM v WHERE t.id = v.id AND t.status NOT IN ${TERMINAL}
         RETURNING t.id
       ), ins AS (
         INSERT INTO "NotificationDelivery" (id, "runId", "organizationId", "userId", channel, template, subject, phase, recipient, "idempotencyKey")
         SELECT d.* FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
           AS d(id, run_id, org, usr, channel, template, subject, phase, recipient, key)
         WHERE d.run_id IN (SELECT id FROM upd)
         ON CONFLICT ("idempotencyKey") DO NOTHING
         RETURNING id, "runId" AS run_id
       )
       SELECT 'run' AS kind, id, id AS run_id FROM upd
       UNION ALL SELECT 'delivery' AS kind, id, run_id FROM ins`,
      [
        unique.map((r) => r.id),
        unique.map((r) => r.status),
        unique.map((r) => json(r.result)),
        unique.map((r) => json(r.error)),
        unique.map((r) => r.attempts),
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.run.id),
        deliveries.map((d) => d.run.organizationId),
        deliveries.map((d) => d.run.userId),
        deliveries.map((d) => d.rule.channel),
        deliveries.map((d) => d.rule.template),
        deliveries.map((d) => d.rule.subject),
        deliveries.map((d) => d.phase),
        deliveries.map((d) => d.recipient),
        deliveries.map((d) => d.key),
        unique.map((r) => json(r.progress)),
      ],
    );
    const updated = new Set<string>();
    const created = new Map<string, string[]>();
    for (const row of rows) {
      if (row.kind === 'run') updated.add(row.id);
      else created.set(row.run_id, [...(created.get(row.run_id) ?? []), row.id]);
    }
    return items.map((item) => ({ updated: updated.has(item.id), deliveryIds: created.get(item.id) ?? [] }));
  }
}
