/**
 * What every scenario shares: a database of the bench's own on the server DATABASE_URL names,
 * a Redis key prefix of its own, and a tenant to run as. Nothing else on either server is touched:
 * the database is dropped and only the prefix's keys are deleted at the end.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createOrganization, createUser } from '@herald/db';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BenchTenant {
  organizationId: string;
  userId: string;
  email: string;
}

export interface BenchSetup {
  testDb: TestDatabase;
  tenant: BenchTenant;
  redis: Redis;
  /** A fresh key prefix under the bench's own root; every key made under it is deleted by close(). */
  newPrefix(label: string): string;
  /** Deletes one prefix's keys now, so Redis memory does not pile up between scenarios. */
  dropPrefix(prefix: string): Promise<void>;
  close(): Promise<void>;
}

export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 2000);
    cursor = next;
    if (keys.length) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

export async function createBenchSetup(): Promise<BenchSetup> {
  const root = `bench-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const testDb = await createTestDatabase();
  const organization = await createOrganization(testDb.db, { name: 'Bench Org', brandColor: '#0f766e', footerText: 'Bench Ltd' });
  const email = 'owner@bench.example.com';
  const user = await createUser(testDb.db, { organizationId: organization.id, email, name: 'Bench Owner' });
  let count = 0;
  return {
    testDb,
    tenant: { organizationId: organization.id, userId: user.id, email },
    redis,
    newPrefix: (label) => `${root}-${++count}-${label}`,
    async dropPrefix(prefix) {
      await deleteKeys(redis, `${prefix}:*`);
    },
    async close() {
      await deleteKeys(redis, `${root}-*`);
      redis.disconnect();
      await testDb.drop();
    },
  };
}
