import { appendFileSync, cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR, readMigrations } from './migrate';
import { createTestDatabase, type TestDatabase } from './testing';

let testDb: TestDatabase;
let dir: string;

beforeAll(async () => {
  testDb = await createTestDatabase({ migrate: false });
  dir = mkdtempSync(path.join(tmpdir(), 'herald-migrations-'));
  cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
});
afterAll(async () => {
  await testDb?.drop();
});

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const { rows } = await testDb.db.pool.query<T>(sql);
  return rows;
}

describe('applyMigrations', () => {
  it('applies every migration once and records it as prisma migrate deploy does', async () => {
    const first = await applyMigrations(testDb.url, dir);
    expect(first.applied).toEqual(readMigrations(dir).map((m) => m.name));
    const rows = await query<{ migration_name: string; checksum: string; applied_steps_count: number }>(
      'SELECT migration_name, checksum, applied_steps_count, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((row) => row.migration_name)).toEqual(first.applied);
    expect(rows.every((row) => row.applied_steps_count === 1 && /^[0-9a-f]{64}$/.test(row.checksum))).toBe(true);

    const second = await applyMigrations(testDb.url, dir);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(first.applied);
  });

  it('refuses a migration whose file changed after it was applied', async () => {
    const [firstMigration] = readMigrations(dir);
    appendFileSync(path.join(dir, firstMigration!.name, 'migration.sql'), '\n-- edited\n');
    await expect(applyMigrations(testDb.url, dir)).rejects.toThrow(/was changed after it was applied/);
  });

  it('runs each migration in a transaction: a failing one leaves nothing behind', async () => {
    const broken = mkdtempSync(path.join(tmpdir(), 'herald-broken-'));
    mkdirSync(path.join(broken, '20990101000000_broken'));
    writeFileSync(
      path.join(broken, '20990101000000_broken', 'migration.sql'),
      'CREATE TABLE "HalfDone" ("id" TEXT);\nSELECT * FROM "NoSuchTable";\n',
    );
    await expect(applyMigrations(testDb.url, broken)).rejects.toThrow(/20990101000000_broken failed and was rolled back/);
    const tables = await query("SELECT 1 FROM information_schema.tables WHERE table_name = 'HalfDone'");
    expect(tables).toHaveLength(0);
    const recorded = await query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '20990101000000_broken'`);
    expect(recorded).toHaveLength(0);
  });
});
