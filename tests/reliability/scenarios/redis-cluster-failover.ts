import { setTimeout as sleep } from 'node:timers/promises';
import { auditRuns, waitUntilSettled, type AcceptedRun } from '../support/audit';
import { findFreePort } from '../support/ports';
import { startOwnCluster } from '../support/redis-cluster';
import { addAudit, emptyResult, type ScenarioResult } from '../support/result';
import { World } from '../support/world';

/** Stderr lines that are not pino's JSON (console.error stacks) allowed across the whole scenario. */
const MAX_RAW_STDERR_LINES = 10;
/** Log lines mentioning Redis errors: rate-limited, so a few per error kind, not one per command. */
const MAX_ERROR_LOG_LINES = 200;
const PROMOTION_TIMEOUT_MS = 20_000;
const SUBMIT_EVERY_MS = 100;

interface Probe {
  at: number;
  api: number | null;
  worker: number | null;
}

/**
 * A Redis Cluster (3 masters, 3 replicas, cluster-node-timeout 2 s) loses the master that holds
 * Herald's queues (SIGKILL) under a steady trickle of submissions. The API answers 202 or 503
 * (with Retry-After), never 500; both readiness probes go false during the promotion and true
 * after it; the worker takes jobs again; every accepted run ends and is mailed once.
 */
export async function runRedisClusterFailover(): Promise<ScenarioResult> {
  const result = emptyResult('Redis Cluster: master of the queues SIGKILLed, replica promoted');
  const startedAt = Date.now();
  const step = (what: string) =>
    process.env.DEBUG_SCENARIO && process.stderr.write(`${Date.now() - startedAt} ms: ${what}\n`);
  const cluster = await startOwnCluster({ nodeTimeoutMs: 2_000 });
  const world = await World.create({
    redisUrl: `redis://${cluster.seeds.split(',')[0]!}`,
    env: { REDIS_CLUSTER: 'true', REDIS_CLUSTER_NODES: cluster.seeds },
  });
  try {
    step('cluster up');
    const tenant = await world.createTenant('Acme');
    const healthPort = await findFreePort();
    const [api] = await Promise.all([
      world.startApi(),
      world.startWorker('worker', { WORKER_CONCURRENCY: '5', WORKER_HEALTH_PORT: String(healthPort) }),
    ]);
    step('api and worker up');
    const workerUrl = `http://127.0.0.1:${healthPort}`;

    const accepted: AcceptedRun[] = [];
    const answers = new Map<string, number>();
    let stopped = false;
    let index = 0;
    const submitting = (async () => {
      while (!stopped) {
        const sentAt = Date.now();
        const response = await world.http.call(api.url, 'POST', '/api/tasks', {
          token: tenant.token,
          body: { task: 'reports.build', input: { report_name: `trickle ${index++}`, stepMs: 10 } },
          timeoutMs: 15_000,
        });
        const key = response
          ? `${response.status}${response.status === 503 && !response.headers.get('retry-after') ? ' without Retry-After' : ''}`
          : 'no answer';
        answers.set(key, (answers.get(key) ?? 0) + 1);
        if (response?.status === 202) accepted.push({ id: response.json.id as string, tenant });
        if (Date.now() - sentAt > 5_000)
          result.failures.push(`a submission took ${Date.now() - sentAt} ms to answer ${key}`);
        await sleep(SUBMIT_EVERY_MS);
      }
    })();
    const probes: Probe[] = [];
    const probe = async () => {
      const [apiReady, workerReady] = await Promise.all([
        world.http.call(api.url, 'GET', '/readyz', { timeoutMs: 5_000 }),
        world.http.call(workerUrl, 'GET', '/readyz', { timeoutMs: 5_000 }),
      ]);
      probes.push({ at: Date.now(), api: apiReady?.status ?? null, worker: workerReady?.status ?? null });
    };

    await sleep(2_000);
    await probe();
    const victim = await cluster.masterFor(`{${world.prefix}}`);
    const killedAt = Date.now();
    cluster.kill(victim);
    step(`killed ${victim}`);
    // A scrape while the slot has no master still answers, with herald_redis_up saying what is missing.
    await sleep(500);
    const metrics = await world.http.call(api.url, 'GET', '/metrics', { timeoutMs: 10_000 });
    const redisUp = /^herald_redis_up (\d)/m.exec(metrics?.body ?? '')?.[1];
    if (metrics?.status !== 200 || redisUp !== '0') {
      result.failures.push(
        `/metrics during the failover answered ${metrics?.status ?? 'nothing'} (herald_redis_up ${redisUp ?? 'missing'})`,
      );
    }

    // Readiness must drop, then come back once a replica serves the slot.
    let promotedAt: number | null = null;
    while (Date.now() - killedAt < PROMOTION_TIMEOUT_MS) {
      await probe();
      step(`probe ${JSON.stringify(probes.at(-1))} answers ${JSON.stringify([...answers])}`);
      const last = probes.at(-1)!;
      const hasDropped = probes.some(
        (entry) => entry.at > killedAt && entry.api === 503 && entry.worker === 503,
      );
      if (hasDropped && last.api === 200 && last.worker === 200) {
        promotedAt = last.at;
        break;
      }
      await sleep(250);
    }
    if (!probes.some((entry) => entry.at > killedAt && entry.api === 503))
      result.failures.push('the API /readyz never said 503 while the master was down');
    if (!probes.some((entry) => entry.at > killedAt && entry.worker === 503))
      result.failures.push('the worker /readyz never said 503 while the master was down');
    if (promotedAt === null)
      result.failures.push(`readiness did not come back within ${PROMOTION_TIMEOUT_MS / 1000} s of the kill`);
    const newMaster = await cluster.masterFor(`{${world.prefix}}`).catch(() => null);

    // After the promotion the API accepts again and the worker takes jobs again.
    await sleep(3_000);
    stopped = true;
    await submitting;
    const acceptedAfter = accepted.length;
    step('submissions stopped');

    // A new API whose first seed is the dead node still joins the cluster.
    const seeds = [
      `127.0.0.1:${victim}`,
      ...cluster.seeds.split(',').filter((seed) => seed !== `127.0.0.1:${victim}`),
    ].join(',');
    const late = await world.startApi('api-late', {
      REDIS_CLUSTER_NODES: seeds,
      REDIS_URL: `redis://127.0.0.1:${victim}`,
    });
    const lateRun = await world.http.call(late.url, 'POST', '/api/tasks', {
      token: tenant.token,
      body: { task: 'reports.build', input: { report_name: 'late api', stepMs: 10 } },
    });
    if (lateRun?.status === 202) accepted.push({ id: lateRun.json.id as string, tenant });
    else
      result.failures.push(`an API seeded with the dead node first answered ${lateRun?.status ?? 'nothing'}`);

    step('late api done');
    const settled = await waitUntilSettled(world.db, accepted, world.sink, 20_000);
    if (!settled)
      result.failures.push('not every accepted run ended and was mailed within 20 s of the promotion');
    addAudit(result, await auditRuns(world.db, accepted, world.sink.messages));

    // A refused submission's run is never left waiting in the ledger.
    const acceptedIds = accepted.map((run) => run.id);
    const left = await world.db.pool.query<{ count: string }>(
      `SELECT count(*) AS count FROM "TaskRun" WHERE NOT (id = ANY($1::text[])) AND status::text IN ('queued', 'running')`,
      [acceptedIds],
    );
    if (Number(left.rows[0]!.count) > 0)
      result.failures.push(`${left.rows[0]!.count} refused run(s) left queued in the ledger`);

    for (const [key, count] of answers)
      if (key !== '202' && key !== '503') result.failures.push(`${count} submission(s) answered ${key}`);
    const output = world.processes.output().split('\n');
    const raw = output.filter((line) => line.trim() && !line.startsWith('{'));
    if (raw.length > MAX_RAW_STDERR_LINES)
      result.failures.push(`${raw.length} raw (non-pino) output lines, e.g. ${raw.slice(0, 3).join(' | ')}`);
    const errorLines = output.filter((line) => /"level":(40|50)/.test(line));
    if (errorLines.length > MAX_ERROR_LOG_LINES)
      result.failures.push(`${errorLines.length} warn/error log lines`);
    const unavailableFor = promotedAt === null ? null : promotedAt - killedAt;
    const refused = [...answers.entries()]
      .filter(([key]) => key !== '202')
      .map(([key, count]) => `${count} x ${key}`);
    result.notes.push(
      `killed master :${victim}, slot now on :${newMaster ?? '?'}; readiness back after ${unavailableFor === null ? '-' : `${(unavailableFor / 1000).toFixed(1)} s`}; ` +
        `${acceptedAfter} accepted by the first API, refused: ${refused.join(', ') || 'none'}; ` +
        `herald_redis_up during the outage: ${redisUp ?? '-'}; ${raw.length} raw output lines, ${errorLines.length} warn/error log lines`,
    );
    result.crashes = world.processes.crashed.length;
    for (const crashed of world.processes.crashed)
      result.failures.push(`${crashed.name} crashed: ${crashed.tail(5)}`);
    result.http5xx = world.http.serverErrors.filter((error) => error.status !== 503).length;
    result.requests = world.http.requests;
  } finally {
    await world.close();
    await cluster.destroy();
    result.durationMs = Date.now() - startedAt;
  }
  return result;
}
