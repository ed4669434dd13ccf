import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from './support/ports';
import { World } from './support/world';

describe('an API started while its Redis Cluster is unreachable', () => {
  let world: World | null = null;
  afterAll(async () => {
    await world?.close();
  });

  it('answers 503 with Retry-After within seconds, says it is not ready, and leaves no run queued', async () => {
    const [first, second] = [await findFreePort(), await findFreePort()];
    world = await World.create({
      redisUrl: `redis://127.0.0.1:${first}`,
      env: { REDIS_CLUSTER: 'true', REDIS_CLUSTER_NODES: `127.0.0.1:${first},127.0.0.1:${second}` },
    });
    const tenant = await world.createTenant('Acme');
    const api = await world.startApi();

    const startedAt = Date.now();
    const response = await world.http.call(api.url, 'POST', '/api/tasks', {
      token: tenant.token,
      body: { task: 'reports.build', input: { report_name: 'nowhere to go' } },
      timeoutMs: 10_000,
    });
    // ENQUEUE_DEADLINE_MS (3 s) plus a cold process on a busy machine; without the deadline it hangs for a minute.
    expect(Date.now() - startedAt).toBeLessThan(6_000);
    expect(response?.status).toBe(503);
    expect(response?.headers.get('retry-after')).toBeTruthy();
    expect(response?.json).toEqual({
      error: { code: 'dependency_unavailable', message: 'A dependency is unavailable; try again shortly' },
    });

    const ready = await world.http.call(api.url, 'GET', '/readyz');
    expect(ready?.status).toBe(503);
    expect(ready?.json.checks).toMatchObject({ redis: false, postgres: true });

    const runs = await world.db.pool.query<{ status: string }>(
      'SELECT status::text AS status FROM "TaskRun"',
    );
    expect(runs.rows.map((row) => row.status)).toEqual(['failed']);
    const raw = world.processes
      .output()
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('{'));
    expect(raw).toEqual([]);
  });
});
