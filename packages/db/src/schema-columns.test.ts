import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from './migrate';
import { createTestDatabase, type TestDatabase } from './testing';

/** Each model's scalar and enum fields, read from schema.prisma: the columns the migrations must create. */
function columnsFromSchema(): Map<string, string[]> {
  const schema = readFileSync(path.join(DEFAULT_MIGRATIONS_DIR, '..', 'schema.prisma'), 'utf8');
  const blocks = [...schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)];
  const models = new Set(blocks.map(([, name]) => name));
  return new Map(
    blocks.map(([, name, body]) => [
      name!,
      body!
        .split('\n')
        .map((line) => line.trim().match(/^(\w+)\s+(\w+)/))
        .filter((match): match is RegExpMatchArray => match !== null && !models.has(match[2]))
        .map((match) => match[1]!)
        .sort(),
    ]),
  );
}

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

describe('migrations and schema.prisma', () => {
  it('create exactly the tables and columns the schema declares', async () => {
    const { rows } = await testDb.db.pool.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const actual = new Map<string, string[]>();
    for (const row of rows) actual.set(row.table_name, [...(actual.get(row.table_name) ?? []), row.column_name]);
    const expected = columnsFromSchema();
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [table, columns] of expected) expect({ table, columns: actual.get(table)?.sort() }).toEqual({ table, columns });
  });
});
