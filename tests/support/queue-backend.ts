import type { Redis } from 'ioredis';
import { describe } from 'vitest';
import { loadConfig } from '@herald/config';
import {
  createPostgresQueueStore,
  createRedisQueueStore,
  migrateQueueStore,
  type QueueBackendKind,
  type QueueStore,
  type RedisConnection,
} from '@herald/core';

export const redisUrl = () => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The queue backend this test run is on: QUEUE_BACKEND (set by the vitest project), Redis by default. */
export const testQueueBackend = (): QueueBackendKind =>
  process.env.QUEUE_BACKEND === 'postgres' ? 'postgres' : 'redis';

/** For tests about Redis itself: skipped, with the reason in the name, on the PostgreSQL backend. */
export const describeOnRedis = (name: string, body: () => void) =>
  testQueueBackend() === 'redis'
    ? describe(name, body)
    : describe.skip(`${name} (Redis only: queues are on PostgreSQL)`, body);

/** The settings that put Herald's queues where this test run keeps them. */
export const queueBackendEnv = (): Record<string, string> =>
  testQueueBackend() === 'postgres'
    ? { QUEUE_BACKEND: 'postgres' }
    : { QUEUE_BACKEND: 'redis', REDIS_URL: redisUrl() };

/**
 * A queue store of the test's own: a Redis key prefix, or on PostgreSQL a schema in the test's
 * database (migrated here). removeTestQueues deletes what it holds.
 */
export async function createTestQueueStore(
  databaseUrl: string,
  prefix: string,
  { forWorker = true }: { forWorker?: boolean } = {},
): Promise<QueueStore> {
  if (testQueueBackend() === 'redis')
    return createRedisQueueStore(loadConfig({ REDIS_URL: redisUrl() }), { prefix, forWorker });
  await migrateQueueStore(databaseUrl, prefix);
  return createPostgresQueueStore({ url: databaseUrl, prefix });
}

/** Prepares the queues of a test that starts Herald from `env` (its DATABASE_URL and QUEUE_PREFIX). */
export async function prepareTestQueues(databaseUrl: string, prefix: string): Promise<void> {
  if (testQueueBackend() === 'postgres') await migrateQueueStore(databaseUrl, prefix);
}

/** Deletes a test's queues: its Redis keys (the database, with its queue schema, is dropped by the test). */
export async function removeTestQueues(prefix: string): Promise<void> {
  if (testQueueBackend() !== 'redis') return;
  const store = createRedisQueueStore(loadConfig({ REDIS_URL: redisUrl() }), { prefix });
  try {
    await deleteKeys(store.connection, prefix);
  } finally {
    await store.close();
  }
}

export async function deleteKeys(connection: RedisConnection, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await (connection as Redis).scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await connection.del(...keys);
  } while (cursor !== '0');
}
