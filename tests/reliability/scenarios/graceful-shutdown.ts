import { setTimeout as sleep } from 'node:timers/promises';
import { TERMINAL_STATUSES } from '@herald/core';
import { auditRuns, waitUntilSettled } from '../support/audit';
import { addAudit, emptyResult, type ScenarioResult } from '../support/result';
import type { Sizes } from '../support/sizes';
import { describeRefused, submitRuns } from '../support/submit';
import { World } from '../support/world';

export interface ShutdownCase {
  label: string;
  graceMs: number;
  /** Each run is 5 steps of this: shorter than the grace (it finishes) or far longer (handed back). */
  stepMs: number;
  expectFinished: boolean;
}

async function countEnded(world: World, ids: string[]): Promise<number> {
  const { rows } = await world.db.pool.query<{ count: string }>(
    `SELECT count(*) AS count FROM "TaskRun" WHERE id = ANY($1::text[]) AND status::text = ANY($2::text[])`,
    [ids, [...TERMINAL_STATUSES]],
  );
  return Number(rows[0]?.count ?? 0);
}

/**
 * SIGTERM to a worker process (main.ts) while `inFlight` runs are running in it. It must exit
 * by itself, having finished the runs (short runs) or handed them back (runs longer than the
 * grace period); a second worker then completes what was handed back. None lost, none mailed twice.
 */
async function runOneCase(sizes: Sizes['shutdown'], shutdownCase: ShutdownCase): Promise<ScenarioResult> {
  const result = emptyResult(
    `graceful shutdown (${shutdownCase.label}): SIGTERM with ${sizes.inFlight} in flight`,
  );
  const startedAt = Date.now();
  const world = await World.create();
  try {
    const tenants = await Promise.all(['Acme', 'Globex'].map((name) => world.createTenant(name)));
    const [api, first] = await Promise.all([
      world.startApi(),
      world.startWorker('worker-1', {
        WORKER_CONCURRENCY: String(sizes.inFlight),
        SHUTDOWN_GRACE_MS: String(shutdownCase.graceMs),
      }),
    ]);
    const { accepted, refused } = await submitRuns(world, api.url, {
      count: sizes.inFlight,
      tenantFor: (index) => tenants[index % tenants.length]!,
      body: (index) => ({
        task: 'reports.build',
        input: { report_name: `shutdown ${index}`, stepMs: shutdownCase.stepMs },
      }),
      concurrency: 10,
    });
    if (refused.size) result.failures.push(`submissions refused: ${describeRefused(refused)}`);
    const ids = accepted.map((run) => run.id);

    const deadline = Date.now() + 30_000;
    let running = 0;
    while (Date.now() < deadline) {
      const { rows } = await world.db.pool.query<{ count: string }>(
        `SELECT count(*) AS count FROM "TaskRun" WHERE id = ANY($1::text[]) AND status = 'running'`,
        [ids],
      );
      running = Number(rows[0]?.count ?? 0);
      if (running === ids.length) break;
      await sleep(100);
    }
    if (running !== ids.length)
      result.failures.push(`only ${running} of ${ids.length} runs were running at the SIGTERM`);

    const termAt = Date.now();
    first.signal('SIGTERM');
    // Its own grace, plus time to close connections; a worker that hangs here is a failure.
    const exit = await first.waitForExit(shutdownCase.graceMs + 20_000);
    const exitedAfterMs = Date.now() - termAt;
    const endedAtExit = await countEnded(world, ids);
    if (!exit) {
      result.failures.push(
        `the worker was still running ${Math.round((shutdownCase.graceMs + 20_000) / 1000)} s after SIGTERM`,
      );
      first.signal('SIGKILL');
    } else if (exit.code !== 0) {
      result.failures.push(`the worker exited with ${exit.code ?? exit.signal} after SIGTERM`);
    }
    if (!shutdownCase.expectFinished && endedAtExit === ids.length) {
      result.failures.push(
        `the worker kept every run until it had finished (${Math.round(exitedAfterMs / 1000)} s), past its ${shutdownCase.graceMs / 1000} s grace period, instead of handing them back`,
      );
    }
    if (shutdownCase.expectFinished && endedAtExit !== ids.length) {
      result.failures.push(
        `the worker exited with ${ids.length - endedAtExit} runs unfinished, inside a grace period long enough to finish them`,
      );
    }

    // A second worker takes over: it sends the mails the first enqueued while draining and runs whatever was handed back.
    const second = await world.startWorker('worker-2', { WORKER_CONCURRENCY: String(sizes.inFlight) });
    const secondStartedAt = Date.now();
    const settled = await waitUntilSettled(world.db, accepted, world.sink, sizes.settleTimeoutMs);
    if (!settled)
      result.failures.push(`not settled ${sizes.settleTimeoutMs / 1000} s after the second worker started`);
    const finishedBySecond = second.lines.filter((line) =>
      /"msg":"reports\.build succeeded/.test(line),
    ).length;
    result.notes.push(
      `worker exited ${exit ? `with code ${exit.code ?? exit.signal}` : 'NOT'} ${Math.round(exitedAfterMs / 100) / 10} s after SIGTERM (grace ${shutdownCase.graceMs / 1000} s); ` +
        `${endedAtExit} runs had ended by then; the second worker ran ${finishedBySecond} handed-back runs; ` +
        `all settled ${Math.round((Date.now() - secondStartedAt) / 1000)} s after it started`,
    );
    addAudit(result, await auditRuns(world.db, accepted, world.sink.messages));
    result.http5xx = world.http.serverErrors.length;
    result.crashes = world.processes.crashed.length;
    for (const crashed of world.processes.crashed)
      result.failures.push(`${crashed.name} crashed: ${crashed.tail(5)}`);
    result.requests = world.http.requests;
  } finally {
    await world.close();
    result.durationMs = Date.now() - startedAt;
  }
  return result;
}

/** Both outcomes of a graceful stop: the runs fit in the grace period, and they do not. */
export const SHUTDOWN_CASES = {
  finish: { label: 'runs finish within the grace', graceMs: 30_000, stepMs: 1_000, expectFinished: true },
  handBack: { label: 'runs outlast the grace', graceMs: 1_000, stepMs: 2_000, expectFinished: false },
} satisfies Record<string, ShutdownCase>;

export function runShutdownCase(
  sizes: Sizes['shutdown'],
  shutdownCase: ShutdownCase,
): Promise<ScenarioResult> {
  return runOneCase(sizes, shutdownCase);
}

export async function runGracefulShutdown(sizes: Sizes['shutdown']): Promise<ScenarioResult[]> {
  return [await runOneCase(sizes, SHUTDOWN_CASES.finish), await runOneCase(sizes, SHUTDOWN_CASES.handBack)];
}
