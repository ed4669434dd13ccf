import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { TERMINAL_STATUSES } from '@herald/core';
import { auditRuns, countStalledJobs, waitUntilSettled } from '../support/audit';
import type { HeraldProcess } from '../support/herald-process';
import { addAudit, emptyResult, type ScenarioResult } from '../support/result';
import type { Sizes } from '../support/sizes';
import { describeRefused, submitRuns } from '../support/submit';
import { World } from '../support/world';
import { queueSchemaName } from '@herald/core';

/** Whether this world's ledger holds no unfinished run and no undelivered mail. */
async function isLedgerDone(world: World): Promise<boolean> {
  const { rows } = await world.db.pool.query<{ open: string }>(
    `SELECT (SELECT count(*) FROM "TaskRun" WHERE status::text <> ALL($1::text[]))
          + (SELECT count(*) FROM "NotificationDelivery" WHERE status = 'pending') AS open`,
    [[...TERMINAL_STATUSES]],
  );
  return Number(rows[0]?.open ?? 1) === 0;
}

async function describeJob(redis: Redis | null, prefix: string, queue: string, id: string): Promise<string> {
  if (!redis) return `${queue} job state not read (queues on PostgreSQL)`;
  const job = await redis.hgetall(`${prefix}:${queue}:${id}`);
  if (!Object.keys(job).length) return `${queue} job gone`;
  const lists = await Promise.all(
    ['active', 'wait', 'paused'].map(async (state) =>
      (await redis.lpos(`${prefix}:${queue}:${state}`, id)) === null ? null : state,
    ),
  );
  const sets = await Promise.all(
    ['delayed', 'completed', 'failed', 'prioritized'].map(async (state) =>
      (await redis.zscore(`${prefix}:${queue}:${state}`, id)) === null ? null : state,
    ),
  );
  const state = [...lists, ...sets].filter(Boolean).join('+') || 'in no state';
  return `${queue} job ${state}, attemptsMade ${job.atm ?? 0}, started ${job.ats ?? 0}, stalled ${job.stc ?? 0}${job.failedReason ? `, failedReason "${job.failedReason.slice(0, 80)}"` : ''}`;
}

/** On PostgreSQL: how many of the tasks' and of the notifications' jobs a killed worker held. */
async function countStalledRows(
  world: World,
  [runIds, deliveryIds]: [string[], string[]],
): Promise<[number, number]> {
  const table = `"${queueSchemaName(world.prefix)}".job`;
  const count = async (queue: string, ids: string[]) => {
    const { rows } = await world.db.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${table} WHERE queue = $1 AND id = ANY($2::text[]) AND stalled_count > 0`,
      [queue, ids],
    );
    return Number(rows[0]?.n ?? 0);
  };
  return [await count('tasks', runIds), await count('notifications', deliveryIds)];
}

async function describeDeliveries(world: World, redis: Redis | null, runId: string): Promise<string> {
  const { rows } = await world.db.pool.query<{ id: string; phase: string; status: string; attempts: number }>(
    `SELECT id, phase, status::text AS status, attempts FROM "NotificationDelivery" WHERE "runId" = $1`,
    [runId],
  );
  const mails = world.sink.messages
    .filter((mail) => mail.text.includes(runId))
    .map((mail) => `${mail.subject.slice(0, 40)} at ${mail.receivedAt.toISOString().slice(11, 23)}`);
  const deliveries = await Promise.all(
    rows.map(
      async (row) =>
        `delivery ${row.phase} ${row.status} after ${row.attempts} claim(s) [${await describeJob(redis, world.prefix, 'notifications', row.id)}]`,
    ),
  );
  return `${deliveries.join('; ') || 'no delivery'}; mails: ${mails.join(', ') || 'none'}`;
}

/**
 * Wrapped runs submitted over REST while a harness SIGKILLs a worker process every ~2 s and
 * starts a new one. At the end every run must be terminal and the sink must hold exactly one
 * mail per run, to its owner.
 */
export async function runWorkerCrash(sizes: Sizes['crash']): Promise<ScenarioResult> {
  const result = emptyResult(`worker crash: SIGKILL every ~${sizes.killEveryMs / 1000} s`);
  const startedAt = Date.now();
  const world = await World.create();
  // Read only to explain a failure (which job state a lost run is in), on Redis.
  const redis =
    world.queueBackend === 'redis' ? new Redis(world.redisUrl, { maxRetriesPerRequest: 3 }) : null;
  try {
    const tenants = await Promise.all(['Acme', 'Globex', 'Initech'].map((name) => world.createTenant(name)));
    // Read by the short-lock entry only; main.ts keeps BullMQ's production 30 s locks.
    const lockEnv = { RELIABILITY_LOCK_MS: '3000', RELIABILITY_STALLED_INTERVAL_MS: '1500' };
    let serial = 0;
    const startWorker = () => world.processes.start(`worker-${++serial}`, sizes.entry, world.env(lockEnv));
    const workers: HeraldProcess[] = Array.from({ length: sizes.workers }, () => startWorker());
    const [api] = await Promise.all([world.startApi(), ...workers.map((worker) => worker.ready)]);

    let isSubmitted = false;
    const submission = submitRuns(world, api.url, {
      count: sizes.runs,
      tenantFor: (index) => tenants[index % tenants.length]!,
      // 0.2 to 1 s of work each: long enough that most kills land mid-run.
      body: (index) => ({
        task: 'reports.build',
        input: { report_name: `crash ${index}`, stepMs: 40 + (index % 5) * 40 },
      }),
      spreadOverMs: sizes.submitOverMs,
      concurrency: 8,
    }).finally(() => {
      isSubmitted = true;
    });

    let kills = 0;
    const killsStartedAt = Date.now();
    const killPhaseEnds = Date.now() + sizes.maxKillPhaseMs;
    while (Date.now() < killPhaseEnds) {
      await sleep(sizes.killEveryMs * (0.75 + Math.random() * 0.5));
      if (isSubmitted && (await isLedgerDone(world))) break;
      // The oldest worker that has started is the one most likely to be mid-run (killing one that is
      // still booting tests nothing); a fresh one takes its place.
      const victim = world.processes.running.find((member) => member.entry === sizes.entry && member.isReady);
      if (!victim) continue;
      victim.signal('SIGKILL');
      kills++;
      startWorker();
    }
    const killsEndedAt = Date.now();
    const { accepted, refused } = await submission;
    const open = await world.db.pool.query<{ runs: string; deliveries: string }>(
      `SELECT (SELECT count(*) FROM "TaskRun" WHERE status::text <> ALL($1::text[])) AS runs,
              (SELECT count(*) FROM "NotificationDelivery" WHERE status = 'pending') AS deliveries`,
      [[...TERMINAL_STATUSES]],
    );
    const settled = await waitUntilSettled(world.db, accepted, world.sink, sizes.settleTimeoutMs);
    if (!settled)
      result.failures.push(`not settled ${sizes.settleTimeoutMs / 1000} s after the kills stopped`);

    result.notes.push(
      `kills went on for ${Math.round((killsEndedAt - killsStartedAt) / 1000)} s; at the last kill ${open.rows[0]?.runs} runs were unfinished and ${open.rows[0]?.deliveries} deliveries pending; ` +
        `all settled ${Math.round((Date.now() - killsEndedAt) / 1000)} s after the last kill`,
    );
    const audit = await auditRuns(world.db, accepted, world.sink.messages);
    addAudit(result, audit);
    // What BullMQ and the ledger say of the runs that went wrong: enough to tell which window a kill hit.
    const unfinished = audit.lost.filter((line) => line.includes('still')).map((line) => line.slice(0, 36));
    for (const id of [...unfinished, ...audit.duplicatedRuns].slice(0, 6)) {
      const logged = world.processes.all.flatMap((member) =>
        member.lines
          .filter((line) => line.includes(id))
          .map((line) => `${member.name}: ${/"msg":"([^"]*)"/.exec(line)?.[1] ?? line.slice(0, 120)}`),
      );
      result.failures.push(
        `run ${id}: ${await describeJob(redis, world.prefix, 'tasks', id)}; ${await describeDeliveries(world, redis, id)}; logged: ${logged.slice(-6).join(' | ') || 'nothing'}`,
      );
    }
    const deliveryIds = (
      await world.db.pool.query<{ id: string }>(`SELECT id FROM "NotificationDelivery"`)
    ).rows.map((row) => row.id);
    const runIds = accepted.map((run) => run.id);
    const [stalledRuns, stalledDeliveries] = redis
      ? [
          await countStalledJobs(redis, world.prefix, 'tasks', runIds),
          await countStalledJobs(redis, world.prefix, 'notifications', deliveryIds),
        ]
      : await countStalledRows(world, [runIds, deliveryIds]);
    result.notes.push(
      `${kills} workers SIGKILLed (${world.processes.all.length} worker/API processes started); ` +
        `${stalledRuns} runs and ${stalledDeliveries} deliveries were held by a killed worker and picked up again`,
    );
    if (refused.size) result.notes.push(`submissions not accepted: ${describeRefused(refused)}`);
    if (kills === 0) result.failures.push('no worker was killed: the scenario tested nothing');
    if (stalledRuns === 0)
      result.failures.push('no run was interrupted by a kill: the scenario tested nothing');
    result.http5xx = world.http.serverErrors.length;
    result.crashes = world.processes.crashed.length;
    for (const crashed of world.processes.crashed)
      result.failures.push(`${crashed.name} crashed: ${crashed.tail(5)}`);
    result.requests = world.http.requests;
  } finally {
    redis?.disconnect();
    await world.close();
    result.durationMs = Date.now() - startedAt;
  }
  return result;
}
