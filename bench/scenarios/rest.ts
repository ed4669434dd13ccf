/**
 * Scenario 6: POST /api/tasks. Herald's API (bearer token, validation, ledger row, BullMQ job,
 * metrics) against a bare express route that only calls queue.add, both in a child process of
 * their own, driven by autocannon from this process with the same connections and duration.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { createApiToken } from '@herald/db';
import { startChild, type BenchChild } from '../lib/child.ts';
import { REDIS_URL, type BenchSetup } from '../lib/setup.ts';
import { noopTask } from '../lib/tasks.ts';

const CONNECTIONS = 50;

export interface RestSide {
  requestsPerSecond: number;
  p99Ms: number;
  errors: number;
  /** CPU the server process spent per request (warm-up included), in ms. */
  cpuMsPerRequest: number;
}

export interface RestResult {
  durationSeconds: number;
  connections: number;
  herald: RestSide;
  bare: RestSide;
}

async function load(url: string, token: string | null, durationSeconds: number): Promise<Omit<RestSide, 'cpuMsPerRequest'> & { total: number }> {
  const options = {
    url: `${url}/api/tasks`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ task: noopTask.name, input: { n: 1 } }),
    connections: CONNECTIONS,
  };
  const warmUp = await autocannon({ ...options, duration: Math.min(1, durationSeconds / 2) }); // JIT, pools, token cache
  const result = await autocannon({ ...options, duration: durationSeconds });
  return {
    total: warmUp.requests.total + result.requests.total,
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

async function measure(child: BenchChild, prefix: string, setup: BenchSetup, token: string | null, durationSeconds: number): Promise<RestSide> {
  await child.go();
  const { total, ...side } = await load(`http://127.0.0.1:${child.port}`, token, durationSeconds);
  // Requests the server answered may still be finishing their work: let them, then stop.
  await sleep(200);
  const { cpuMs } = await child.stop();
  await setup.dropPrefix(prefix);
  return { ...side, cpuMsPerRequest: cpuMs / total };
}

export async function runRest(setup: BenchSetup, { durationSeconds }: { durationSeconds: number }): Promise<RestResult> {
  const { token } = await createApiToken(setup.testDb.db, { userId: setup.tenant.userId, name: 'bench' });
  const prefixes = { bare: setup.newPrefix('bare-api'), herald: setup.newPrefix('herald-api') };
  const [bareChild, heraldChild] = await Promise.all([
    startChild({ kind: 'bare-api', prefix: prefixes.bare, redisUrl: REDIS_URL }),
    startChild({ kind: 'herald-api', prefix: prefixes.herald, redisUrl: REDIS_URL, databaseUrl: setup.testDb.url }),
  ]);
  const bare = await measure(bareChild, prefixes.bare, setup, null, durationSeconds);
  const herald = await measure(heraldChild, prefixes.herald, setup, token, durationSeconds);
  await setup.testDb.db.pool.query(`DELETE FROM "TaskRun" WHERE task = $1`, [noopTask.name]);
  return { durationSeconds, connections: CONNECTIONS, herald, bare };
}
