import { createHash } from 'node:crypto';
import type pg from 'pg';
import { Batcher } from './batcher';
import { TERMINAL_STATUSES, type RunState } from './constants';
import { retryWhileDatabaseDown } from './db-retry';
import { appendAttempts, attemptEndOf, endedAttempt, startedAttempt } from './ledger-attempts';
import type { RunNotification } from './recipients';

export interface NewRun {
  id: string;
  organizationId: string;
  userId: string;
  task: string;
  input: unknown;
  maxAttempts: number;
  parentId?: string | null;
  scheduleName?: string | null;
  /** Extra e-mail recipients of this run (`notify.to`). */
  notifyTo?: string[] | null;
}

export interface RunStart extends NewRun {
  attempt: number;
  /**
   * The job's first delivery (BullMQ's attemptsStarted is 1) of a task whose end goes through
   * RunLedger.end: the ledger cannot hold an end for it yet, so start() answers at once and the
   * 'running' write may wait, or be folded into the end's statement.
   */
  isFirstDelivery?: boolean;
}

export interface RunEnd {
  id: string;
  organizationId: string;
  userId: string;
  status: Exclude<RunState, 'queued' | 'running'>;
  attempts: number;
  result?: unknown;
  error?: unknown;
  /** The run's human title (renderRunTitle), when its task has one. */
  title?: string;
  /** The last progress the run reported, kept once its job is gone from Redis. */
  progress?: unknown;
  /** Notifications to record with this state, in the same statement: one per recipient. */
  notifications: RunNotification[];
}

/** A delivery just written, as its notification job carries it. */
export interface PendingDelivery {
  id: string;
  channel: string;
}

export interface RunEndOutcome {
  /** False when the run was already terminal: nothing was written. */
  updated: boolean;
  /** Deliveries written now (pending), to be enqueued. */
  deliveries: PendingDelivery[];
}

const TERMINAL = `(${TERMINAL_STATUSES.map((status) => `'${status}'`).join(',')})`;
const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/** A stable id per idempotency key: a redelivered job computes the same delivery id. */
export function deliveryIdFor(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function idempotencyKey(
  runId: string,
  phase: string,
  attempt: number,
  channel: string,
  recipient: string,
): string {
  // A retrying notice is per attempt; every other phase happens once per run.
  const phaseKey = phase === 'retrying' ? `retrying#${attempt}` : phase;
  return `${runId}:${phaseKey}:${channel}:${recipient}`;
}

/**
 * The run ledger (TaskRun + NotificationDelivery), written in batches: one statement records
 * many runs' starts, another many runs' ends with their pending deliveries. Hot path: raw SQL.
 *
 * A first delivery's start is held for START_HOLD_MS: a run that ends within it has its start
 * written by the end's statement, so a short run costs one statement and one commit, not two.
 * A longer run shows 'running' once the hold ends. Start writes commit asynchronously: they
 * are not waited for on disk, yet PostgreSQL flushes its WAL in order, so once a run's end is
 * durable, so is its start; a start lost in a database crash belongs to a run that had not
 * durably ended, whose job BullMQ redelivers.
 */
export class RunLedger {
  private readonly queued: Batcher<NewRun, void>;
  private readonly starts: Batcher<TimedStart, boolean>;
  private readonly ends: Batcher<TimedEnd, RunEndOutcome>;
  /** Held first-delivery starts, by run id. */
  private readonly held = new Map<string, { start: TimedStart; timer: NodeJS.Timeout | null }>();
  /** Start writes in flight: a run's end is written after its start. */
  private readonly startWrites = new Map<string, Promise<unknown>>();

  constructor(readonly pool: pg.Pool) {
    // One statement of each kind at a time: what arrives while one is written goes in the next,
    // so one commit (one WAL flush) records as many runs as possible. Measured with bench/'s
    // scenario 1: one end statement in flight drains as fast as two or four on an idle machine,
    // 10-20% faster on a busy one, with a third fewer statements.
    // Not retried while the database is down: the caller (an API request) answers 503 instead.
    this.queued = new Batcher((runs) => this.writeQueued(runs), { maxSize: 1_000, maxInFlight: 1 });
    this.starts = new Batcher((items) => retryWhileDatabaseDown(() => this.writeStarts(items)), {
      maxSize: 500,
      maxInFlight: 1,
    });
    this.ends = new Batcher((items) => retryWhileDatabaseDown(() => this.writeEnds(items)), {
      maxSize: 500,
      maxInFlight: 1,
    });
  }

  /**
   * Records runs as queued (at enqueue). Concurrent enqueues share one statement, committed
   * asynchronously: a queued row lost in a database crash is written again by its run's start,
   * and the next durable commit (any start or end) makes it durable too.
   */
  async insertQueued(runs: NewRun[]): Promise<void> {
    await Promise.all(runs.map((run) => this.queued.add(run)));
  }

  private async writeQueued(runs: NewRun[]): Promise<void[]> {
    await this.pool.query({
      name: 'herald_ledger_queued',
      text: `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
       INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status, "maxAttempts", "parentId", "scheduleName", "notifyTo", "createdAt", "updatedAt")
       SELECT v.id, v.org, v.usr, v.task, v.input, 'queued', v.max, v.parent, v.sched, v.notify, now(), now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::int[], $7::text[], $8::text[], $9::jsonb[])
         AS v(id, org, usr, task, input, max, parent, sched, notify), async_commit`,
      values: [
        runs.map((r) => r.id),
        runs.map((r) => r.organizationId),
        runs.map((r) => r.userId),
        runs.map((r) => r.task),
        runs.map((r) => json(r.input ?? {})),
        runs.map((r) => r.maxAttempts),
        runs.map((r) => r.parentId ?? null),
        runs.map((r) => r.scheduleName ?? null),
        runs.map((r) => (r.notifyTo?.length ? json(r.notifyTo) : null)),
      ],
    });
    return runs.map(() => undefined);
  }

  /** Marks a run running; false when the ledger already holds its end (a redelivered job). */
  start(run: RunStart): Promise<boolean> {
    const start: TimedStart = { ...run, at: performance.now() };
    if (!run.isFirstDelivery) return this.writeStart(start);
    this.held.set(run.id, { start, timer: setTimeout(() => this.release(run.id), START_HOLD_MS) });
    return Promise.resolve(true);
  }

  /** Records a run's end (or a retry) and its pending deliveries, atomically. */
  async end(run: RunEnd): Promise<RunEndOutcome> {
    const held = this.held.get(run.id);
    if (held) {
      this.held.delete(run.id);
      if (held.timer) clearTimeout(held.timer);
    }
    // A failed start write is no reason to lose the end, which writes the row either way.
    await this.startWrites.get(run.id)?.catch(() => undefined);
    return this.ends.add({ ...run, at: performance.now(), start: held?.start });
  }

  /** The hold is over and the run is still going: write its start on its own. */
  private release(id: string): void {
    const held = this.held.get(id);
    if (!held) return;
    this.held.delete(id);
    this.writeStart(held.start).catch(() => {
      // Written with the end instead, which needs no row to exist: see writeEnds.
      if (!this.startWrites.has(id)) this.held.set(id, { start: held.start, timer: null });
    });
  }

  private writeStart(start: TimedStart): Promise<boolean> {
    const written = this.starts.add(start);
    this.startWrites.set(start.id, written);
    const forget = () => {
      if (this.startWrites.get(start.id) === written) this.startWrites.delete(start.id);
    };
    written.then(forget, forget);
    return written;
  }

  private async writeStarts(items: TimedStart[]): Promise<boolean[]> {
    const unique = [...new Map(items.map((item) => [item.id, item])).values()];
    const now = performance.now();
    const { rows } = await this.pool.query<{ id: string }>({
      name: 'herald_ledger_starts',
      text: `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
       INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status, attempts, "maxAttempts", "parentId", "scheduleName", "startedAt", "createdAt", "updatedAt", "attemptLog")
       SELECT v.id, v.org, v.usr, v.task, v.input, 'running', v.attempt, v.max, v.parent, v.sched,
         now() - v.ago * interval '1 millisecond', now(), now(), ${startedAttempt}
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::int[], $7::int[], $8::text[], $9::text[], $10::float8[])
         AS v(id, org, usr, task, input, attempt, max, parent, sched, ago), async_commit
       ON CONFLICT (id) DO UPDATE SET status = 'running', attempts = EXCLUDED.attempts,
         "startedAt" = COALESCE("TaskRun"."startedAt", EXCLUDED."startedAt"), "updatedAt" = now(),
         "attemptLog" = ${appendAttempts('"TaskRun"."attemptLog"', 'EXCLUDED."attemptLog"')}
       WHERE "TaskRun".status NOT IN ${TERMINAL}
       RETURNING id`,
      values: [
        unique.map((r) => r.id),
        unique.map((r) => r.organizationId),
        unique.map((r) => r.userId),
        unique.map((r) => r.task),
        unique.map((r) => json(r.input ?? {})),
        unique.map((r) => r.attempt),
        unique.map((r) => r.maxAttempts),
        unique.map((r) => r.parentId ?? null),
        unique.map((r) => r.scheduleName ?? null),
        unique.map((r) => now - r.at),
      ],
    });
    const started = new Set(rows.map((row) => row.id));
    return items.map((item) => started.has(item.id));
  }

  /**
   * Ends, with their deliveries. A run whose start was held is inserted when it has no row yet
   * (a scheduled run is not recorded at enqueue); every other run is updated. The times are
   * when start() and end() were called, counted back from the database's clock.
   */
  private async writeEnds(items: TimedEnd[]): Promise<RunEndOutcome[]> {
    const unique = [...new Map(items.map((item) => [item.id, item])).values()];
    const now = performance.now();
    const deliveries = unique.flatMap((run) =>
      run.notifications.map(({ rule, phase, attempt, address }) => {
        // The owner by user id, as always; any other recipient by address: a row (and a key) each.
        const recipient = address ?? run.userId;
        const key = idempotencyKey(run.id, phase, attempt, rule.channel, recipient);
        return { id: deliveryIdFor(key), key, run, rule, phase, recipient, address: address ?? null };
      }),
    );
    const finishedAt = `CASE WHEN v.status IN ${TERMINAL} THEN now() - v.ended_ago * interval '1 millisecond' ELSE NULL END`;
    const { rows } = await this.pool.query<{
      kind: 'run' | 'delivery';
      id: string;
      run_id: string;
      channel: string;
    }>({
      name: 'herald_ledger_ends',
      text: `WITH v AS (
         SELECT * FROM unnest($1::text[], $2::"RunStatus"[], $3::jsonb[], $4::jsonb[], $5::int[], $16::jsonb[], $17::float8[],
             $18::float8[], $19::text[], $20::jsonb[], $21::int[], $22::text[], $23::text[], $24::text[], $25::text[], $26::text[], $28::jsonb[])
           AS v(id, status, result, error, attempts, progress, ended_ago, started_ago, task, input, max, parent, sched, org, usr, title, attempt_end)
       ), upd AS (
         UPDATE "TaskRun" t SET status = v.status, result = v.result, error = v.error, attempts = v.attempts,
           title = COALESCE(v.title, t.title), progress = COALESCE(v.progress, t.progress),
           "startedAt" = COALESCE(t."startedAt", now() - v.started_ago * interval '1 millisecond'),
           "finishedAt" = ${finishedAt}, "updatedAt" = now(),
           "attemptLog" = ${endedAttempt('t."attemptLog"')}
         FROM v WHERE t.id = v.id AND t.status NOT IN ${TERMINAL}
         RETURNING t.id
       ), ins_run AS (
         INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status, attempts, "maxAttempts", "parentId", "scheduleName",
           result, error, title, progress, "startedAt", "finishedAt", "createdAt", "updatedAt", "attemptLog")
         SELECT v.id, v.org, v.usr, v.task, v.input, v.status, v.attempts, v.max, v.parent, v.sched,
           v.result, v.error, v.title, v.progress, now() - v.started_ago * interval '1 millisecond', ${finishedAt}, now(), now(),
           ${endedAttempt('NULL::jsonb')}
         FROM v WHERE v.task IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "TaskRun" t WHERE t.id = v.id)
         ON CONFLICT (id) DO NOTHING
         RETURNING id
       ), done AS (
         SELECT id FROM upd UNION ALL SELECT id FROM ins_run
       ), ins AS (
         INSERT INTO "NotificationDelivery" (id, "runId", "organizationId", "userId", channel, template, subject, phase, recipient, "idempotencyKey", "recipientAddress")
         SELECT d.* FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $27::text[])
           AS d(id, run_id, org, usr, channel, template, subject, phase, recipient, key, recipient_address)
         WHERE d.run_id IN (SELECT id FROM done)
         ON CONFLICT ("runId", "idempotencyKey") DO NOTHING
         RETURNING id, "runId" AS run_id, channel
       )
       SELECT 'run' AS kind, id, id AS run_id, NULL AS channel FROM done
       UNION ALL SELECT 'delivery' AS kind, id, run_id, channel FROM ins`,
      values: [
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
        unique.map((r) => now - r.at),
        unique.map((r) => (r.start ? now - r.start.at : null)),
        unique.map((r) => r.start?.task ?? null),
        unique.map((r) => (r.start ? json(r.start.input ?? {}) : null)),
        unique.map((r) => r.start?.maxAttempts ?? null),
        unique.map((r) => r.start?.parentId ?? null),
        unique.map((r) => r.start?.scheduleName ?? null),
        unique.map((r) => r.organizationId),
        unique.map((r) => r.userId),
        unique.map((r) => r.title ?? null),
        deliveries.map((d) => d.address),
        unique.map(attemptEndOf),
      ],
    });
    const updated = new Set<string>();
    const created = new Map<string, PendingDelivery[]>();
    for (const row of rows) {
      if (row.kind === 'run') updated.add(row.id);
      else
        created.set(row.run_id, [...(created.get(row.run_id) ?? []), { id: row.id, channel: row.channel }]);
    }
    return items.map((item) => ({ updated: updated.has(item.id), deliveries: created.get(item.id) ?? [] }));
  }
}

/** How long a first delivery's 'running' write waits for the run's end to carry it instead. */
const START_HOLD_MS = 100;

/** A start or end with the moment it happened (performance.now()), written when its batch goes. */
type TimedStart = RunStart & { at: number };
type TimedEnd = RunEnd & { at: number; start: TimedStart | undefined };
