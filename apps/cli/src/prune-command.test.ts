import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseOneJson, runHerald } from './testing/run-herald';

vi.setConfig({ testTimeout: 120_000 });

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const org = await testDb.db.prisma.organization.create({ data: { name: 'Prune Org' } });
  const user = await testDb.db.prisma.user.create({
    data: { organizationId: org.id, email: 'p@prune.test' },
  });
  await testDb.db.pool.query(
    `INSERT INTO "TaskRun" (id, "organizationId", "userId", task, input, status, "createdAt", "finishedAt")
     SELECT 'run-' || i, $1, $2, 'tests.execute', '{}', CASE WHEN i <= 3 THEN 'succeeded' ELSE 'running' END::"RunStatus",
       now() - interval '20 days', CASE WHEN i <= 3 THEN now() - interval '20 days' END
     FROM generate_series(1, 4) AS i`,
    [org.id, user.id],
  );
});
afterAll(async () => {
  await testDb?.drop();
});

const runCount = async () => testDb.db.prisma.taskRun.count();

describe('herald prune', () => {
  it('--dry-run says what would go and removes nothing; then prune removes exactly that', async () => {
    const env = { DATABASE_URL: testDb.url, RUN_RETENTION_DAYS: '10' };
    const dry = await runHerald(['prune', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /^Would remove 3 finished run\(s\) that ended before \S+ and 0 delivery record\(s\)/,
    );
    expect(await runCount()).toBe(4);

    const kept = await runHerald(['prune', '--json'], { ...env, RUN_RETENTION_DAYS: '30' });
    expect(parseOneJson(kept.stdout)).toMatchObject({ runs: 0, dryRun: false, runRetentionDays: 30 });

    const done = await runHerald(['prune', '--json'], env);
    expect(done.code).toBe(0);
    expect(parseOneJson(done.stdout)).toMatchObject({
      runs: 3,
      deliveries: 0,
      dryRun: false,
      deliveryRetentionDays: 10,
    });
    expect(await testDb.db.prisma.taskRun.findMany({ select: { id: true } })).toEqual([{ id: 'run-4' }]);
  });

  it('names a bad RUN_RETENTION_DAYS', async () => {
    const bad = await runHerald(['prune'], { DATABASE_URL: testDb.url, RUN_RETENTION_DAYS: 'soon' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('RUN_RETENTION_DAYS');
  });
});
