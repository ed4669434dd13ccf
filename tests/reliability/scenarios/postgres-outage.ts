import { setTimeout as sleep } from 'node:timers/promises';
import { testServerUrl } from '@herald/db/testing';
import { auditRuns, waitUntilSettled, type AcceptedRun } from '../support/audit';
import { addAudit, emptyResult, type ScenarioResult } from '../support/result';
import type { Sizes } from '../support/sizes';
import { describeRefused, submitRuns } from '../support/submit';
import { startTcpProxy } from '../support/tcp-proxy';
import { World } from '../support/world';

/** 503s are the contract while PostgreSQL is away, and for a moment after it returns while pools reconnect. */
const RECOVERY_GRACE_MS = 10_000;

/**
 * PostgreSQL goes away behind a TCP proxy (first refusing connections, then resetting them)
 * while runs are in flight and clients keep calling. The API must answer 503 on /readyz and on
 * writes, with a clear error, and not crash; workers must wait; after recovery every run ends,
 * and the ledger, the deliveries and the inbox agree.
 */
export async function runPostgresOutage(sizes: Sizes['postgres']): Promise<ScenarioResult> {
  const result = emptyResult(`PostgreSQL outage: ${sizes.outageMs / 1000} s`);
  const startedAt = Date.now();
  const server = new URL(testServerUrl());
  const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
  const world = await World.create({ databaseUrlForHerald: (url) => proxy.rewrite(url) });
  try {
    const tenants = await Promise.all(['Acme', 'Globex'].map((name) => world.createTenant(name)));
    // Its token is first used during the outage: no cached authentication to lean on.
    const latecomer = await world.createTenant('Latecomer');
    const [api] = await Promise.all([
      world.startApi(),
      world.startWorker('worker-1', { WORKER_CONCURRENCY: '25' }),
      world.startWorker('worker-2', { WORKER_CONCURRENCY: '25' }),
    ]);
    const submit = (count: number, stepMs: number, label: string, spreadOverMs = 1_000) =>
      submitRuns(world, api.url, {
        count,
        tenantFor: (index) => tenants[index % tenants.length]!,
        body: (index) => ({ task: 'reports.build', input: { report_name: `${label} ${index}`, stepMs } }),
        spreadOverMs,
        concurrency: 4,
      });
    const third = Math.max(1, Math.floor(sizes.runs / 3));
    const longCount = Math.min(third, 40);

    // Runs that are mid-run when the database goes (5 steps of outage/4 each), and quick ones.
    const long = await submit(longCount, Math.round(sizes.outageMs / 4), 'long');
    const short = await submit(2 * third - longCount, 20, 'short');
    await waitForRunning(
      world,
      long.accepted.map((run) => run.id),
    );

    const outageStartedAt = Date.now();
    await proxy.setMode('refuse');
    const probes = { readyz: new Map<number | 'no answer', number>(), writes: new Map<string, number>() };
    const count = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
    let round = 0;
    while (Date.now() - outageStartedAt < sizes.outageMs) {
      if (round === Math.floor(sizes.outageMs / 1_000)) await proxy.setMode('reset');
      const ready = await world.http.call(api.url, 'GET', '/readyz');
      count(probes.readyz, ready?.status ?? 'no answer');
      const who = round % 2 === 0 ? latecomer : tenants[0]!;
      const write = await world.http.call(api.url, 'POST', '/api/tasks', {
        token: who.token,
        body: { task: 'reports.build', input: { report_name: `outage ${round}`, stepMs: 1 } },
      });
      count(probes.writes, `${write?.status ?? 'no answer'} ${write?.json?.error?.code ?? ''}`.trim());
      if (write?.status === 202)
        result.failures.push(`a write was accepted while PostgreSQL was down: ${write.body}`);
      const read = await world.http.call(api.url, 'GET', `/api/tasks/${long.accepted[0]!.id}`, {
        token: who.token,
      });
      count(probes.writes, `GET ${read?.status ?? 'no answer'}`);
      round++;
      await sleep(500);
    }
    await proxy.setMode('up');
    const outageEndedAt = Date.now();
    if ((probes.readyz.get(503) ?? 0) === 0)
      result.failures.push('/readyz never answered 503 during the outage');
    const readyAgain = await waitForReady(world, api.url, 60_000);
    if (!readyAgain) result.failures.push('/readyz did not answer 200 within 60 s of recovery');
    const after = await submit(sizes.runs - 2 * third, 20, 'after');

    const accepted: AcceptedRun[] = [...long.accepted, ...short.accepted, ...after.accepted];
    const settled = await waitUntilSettled(world.db, accepted, world.sink, sizes.settleTimeoutMs);
    if (!settled)
      result.failures.push(`not settled ${sizes.settleTimeoutMs / 1000} s after PostgreSQL came back`);
    result.notes.push(
      `everything settled ${Math.round((Date.now() - outageEndedAt) / 1000)} s after PostgreSQL came back`,
    );
    addAudit(result, await auditRuns(world.db, accepted, world.sink.messages));

    const longStatuses = await world.db.pool.query<{ status: string }>(
      `SELECT status::text AS status FROM "TaskRun" WHERE id = ANY($1::text[])`,
      [long.accepted.map((run) => run.id)],
    );
    const longFailed = longStatuses.rows.filter((row) => row.status !== 'succeeded').length;
    if (longFailed)
      result.failures.push(`${longFailed} runs that were mid-run during the outage did not succeed`);

    const outageWindow = (at: number) => at >= outageStartedAt && at <= outageEndedAt + RECOVERY_GRACE_MS;
    const unexpected = world.http.serverErrors.filter(
      (error) => !(error.status === 503 && outageWindow(error.at)),
    );
    const expected503 = world.http.serverErrors.length - unexpected.length;
    result.http5xx = unexpected.length;
    for (const error of unexpected.slice(0, 5))
      result.failures.push(`${error.method} ${error.path} answered ${error.status}: ${error.body}`);
    const describe = (map: Map<unknown, number>) =>
      [...map.entries()].map(([key, value]) => `${value} x ${String(key)}`).join(', ');
    result.notes.push(
      `during the outage: /readyz ${describe(probes.readyz)}; API calls ${describe(probes.writes)}`,
    );
    result.notes.push(
      `${expected503} answers were 503 during the outage or within ${RECOVERY_GRACE_MS / 1000} s after (the contract)`,
    );
    const refusedAll = new Map([...long.refused, ...short.refused, ...after.refused]);
    if (refusedAll.size)
      result.notes.push(`submissions outside the outage not accepted: ${describeRefused(refusedAll)}`);
    result.crashes = world.processes.crashed.length;
    for (const crashed of world.processes.crashed)
      result.failures.push(`${crashed.name} crashed: ${crashed.tail(5)}`);
    result.requests = world.http.requests;
  } finally {
    await world.close();
    await proxy.close();
    result.durationMs = Date.now() - startedAt;
  }
  return result;
}

async function waitForRunning(world: World, ids: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await world.db.pool.query<{ count: string }>(
      `SELECT count(*) AS count FROM "TaskRun" WHERE id = ANY($1::text[]) AND status = 'running'`,
      [ids],
    );
    if (Number(rows[0]?.count) === ids.length) return;
    await sleep(100);
  }
  throw new Error(`the ${ids.length} long runs did not all start within ${timeoutMs / 1000} s`);
}

async function waitForReady(world: World, apiUrl: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await world.http.call(apiUrl, 'GET', '/readyz'))?.status === 200) return true;
    await sleep(250);
  }
  return false;
}
