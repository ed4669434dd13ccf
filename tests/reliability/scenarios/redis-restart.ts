import { setTimeout as sleep } from 'node:timers/promises';
import { auditRuns, waitUntilSettled, type AcceptedRun } from '../support/audit';
import { startOwnRedis } from '../support/redis-server';
import { addAudit, emptyResult, type ScenarioResult } from '../support/result';
import type { Sizes } from '../support/sizes';
import { describeRefused, submitRuns } from '../support/submit';
import { World } from '../support/world';

const RECOVERY_GRACE_MS = 10_000;

/**
 * Redis (a server of the test's own, append-only file on) restarts while runs are running,
 * waiting and delayed in it. API and workers must reconnect by themselves; no run the API
 * accepted may be lost, none mailed twice.
 */
export async function runRedisRestart(sizes: Sizes['redis']): Promise<ScenarioResult> {
  const result = emptyResult(`Redis restart: down ${sizes.downtimeMs / 1000} s`);
  const startedAt = Date.now();
  const redis = await startOwnRedis();
  const world = await World.create({ redisUrl: redis.url });
  try {
    const tenants = await Promise.all(['Acme', 'Globex'].map((name) => world.createTenant(name)));
    const [api] = await Promise.all([
      world.startApi(),
      world.startWorker('worker-1', { WORKER_CONCURRENCY: '5' }),
      world.startWorker('worker-2', { WORKER_CONCURRENCY: '5' }),
    ]);
    const quarter = Math.max(1, Math.floor(sizes.runs / 4));
    const submit = (
      count: number,
      input: (index: number) => Record<string, unknown>,
      options: Record<string, unknown> = {},
      label = '',
    ) =>
      submitRuns(world, api.url, {
        count,
        tenantFor: (index) => tenants[index % tenants.length]!,
        body: (index) => ({
          task: 'reports.build',
          input: { report_name: `${label} ${index}`, ...input(index) },
          options,
        }),
        concurrency: 4,
      });

    // In Redis when it goes down: delayed runs (due after it is back), runs holding the 10
    // worker slots for longer than the downtime, and a backlog waiting behind them.
    const delayed = await submit(
      quarter,
      () => ({ stepMs: 20 }),
      { delay: sizes.downtimeMs + 3_000 },
      'delayed',
    );
    const running = await submit(
      quarter,
      () => ({ stepMs: Math.round(sizes.downtimeMs / 3) }),
      {},
      'running',
    );
    const waiting = await submit(quarter, () => ({ stepMs: 50 }), {}, 'waiting');
    await sleep(500);

    const downAt = Date.now();
    await redis.stop();
    let downStatuses = new Map<string, number>();
    while (Date.now() - downAt < sizes.downtimeMs) {
      const ready = await world.http.call(api.url, 'GET', '/readyz', { timeoutMs: 5_000 });
      const write = await world.http.call(api.url, 'POST', '/api/tasks', {
        token: tenants[0]!.token,
        body: { task: 'reports.build', input: { report_name: 'while down', stepMs: 1 } },
        timeoutMs: 10_000,
      });
      if (write?.status === 202) result.failures.push('a run was accepted while Redis was down');
      for (const key of [
        `readyz ${ready?.status ?? 'no answer'}`,
        `write ${write?.status ?? 'no answer'} ${write?.json?.error?.code ?? ''}`.trim(),
      ]) {
        downStatuses = downStatuses.set(key, (downStatuses.get(key) ?? 0) + 1);
      }
      await sleep(500);
    }
    await redis.start();
    const upAt = Date.now();

    // The API takes runs again once it has reconnected.
    let after = await submit(1, () => ({ stepMs: 20 }), {}, 'probe');
    while (!after.accepted.length && Date.now() - upAt < 60_000) {
      await sleep(500);
      after = await submit(1, () => ({ stepMs: 20 }), {}, 'probe');
    }
    if (!after.accepted.length)
      result.failures.push('the API did not accept runs within 60 s of Redis coming back');
    const rest = await submit(Math.max(0, sizes.runs - 3 * quarter - 1), () => ({ stepMs: 20 }), {}, 'after');

    const accepted: AcceptedRun[] = [
      ...delayed.accepted,
      ...running.accepted,
      ...waiting.accepted,
      ...after.accepted,
      ...rest.accepted,
    ];
    const settled = await waitUntilSettled(world.db, accepted, world.sink, sizes.settleTimeoutMs);
    if (!settled) result.failures.push(`not settled ${sizes.settleTimeoutMs / 1000} s after Redis came back`);
    result.notes.push(
      `in Redis at the restart: ${delayed.accepted.length} delayed, ${running.accepted.length} running, ${waiting.accepted.length} waiting; ` +
        `everything settled ${Math.round((Date.now() - upAt) / 1000)} s after Redis came back`,
    );
    addAudit(result, await auditRuns(world.db, accepted, world.sink.messages));
    result.notes.push(
      `while Redis was down: ${[...downStatuses.entries()].map(([key, count]) => `${count} x ${key}`).join(', ')}`,
    );

    const window = (at: number) => at >= downAt && at <= upAt + RECOVERY_GRACE_MS;
    const unexpected = world.http.serverErrors.filter((error) => !(error.status === 503 && window(error.at)));
    result.http5xx = unexpected.length;
    for (const error of unexpected.slice(0, 5))
      result.failures.push(`${error.method} ${error.path} answered ${error.status}: ${error.body}`);
    const refusedOutside = [delayed, running, waiting, rest].flatMap((submission) => [
      ...submission.refused.entries(),
    ]);
    if (refusedOutside.length) {
      result.failures.push(
        `submissions while Redis was up were refused: ${describeRefused(new Map(refusedOutside))}`,
      );
    }
    result.crashes = world.processes.crashed.length;
    for (const crashed of world.processes.crashed)
      result.failures.push(`${crashed.name} crashed: ${crashed.tail(5)}`);
    result.requests = world.http.requests;
  } finally {
    await world.close();
    await redis.destroy();
    result.durationMs = Date.now() - startedAt;
  }
  return result;
}
