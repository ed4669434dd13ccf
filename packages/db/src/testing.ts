import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type Database } from './client';
import { applyMigrations } from './migrate';

/** The server tests create their databases on: DATABASE_URL's server, else the local one. */
export function testServerUrl(): string {
  return process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export interface TestDatabase {
  url: string;
  name: string;
  db: Database;
  drop(): Promise<void>;
}

/** A fresh, migrated database of the test's own; drop() removes it. */
export async function createTestDatabase({ migrate = true } = {}): Promise<TestDatabase> {
  const name = `herald_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: withDatabase(testServerUrl(), 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = withDatabase(testServerUrl(), name);
  if (migrate) await applyMigrations(url);
  const db = createDatabase({ url, poolSize: 10 });
  return {
    url,
    name,
    db,
    async drop() {
      await db.close();
      const client = new pg.Client({ connectionString: withDatabase(testServerUrl(), 'postgres') });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}
