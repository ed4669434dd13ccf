/**
 * A scenario's queues on either backend Herald runs on: Redis keys under a prefix of the bench's
 * own, or BullMQ's PostgreSQL backend in a schema of the bench's own database, named after the
 * prefix as QUEUE_BACKEND=postgres names it (queueSchemaName). dropBenchQueues removes either.
 */
import { createPostgresBackend, Queue, runMigrations, type PostgresPoolConfig } from 'bullmq';
import pg from 'pg';
import { migrateQueueStore, queueSchemaName, type QueueBackendKind } from '@herald/core';
import type { BenchSetup } from './setup.ts';

export type BenchBackend = QueueBackendKind;

/** BullMQ's PostgreSQL connection option in its config form: a pool of its own on one schema. */
export type RawPostgresConnection = PostgresPoolConfig & { connectionString: string; schema: string };

/**
 * What Herald's PostgreSQL store gives each BullMQ class (packages/core/src/postgres-queue-store.ts),
 * so the raw baseline differs from Herald only in what Herald adds: a queue's pool of 2, a worker's of 4.
 */
const POOL_SIZE = { queue: 2, worker: 4 } as const;
const IDLE_MS = 5_000;

export function rawPostgresConnection(
  setup: BenchSetup,
  prefix: string,
  role: keyof typeof POOL_SIZE,
): RawPostgresConnection {
  return {
    connectionString: setup.testDb.url,
    schema: queueSchemaName(prefix),
    max: POOL_SIZE[role],
    idleTimeoutMillis: IDLE_MS,
    application_name: 'bench-raw-bullmq',
  };
}

/**
 * Creates a scenario's queue schema on PostgreSQL (nothing to do on Redis): Herald's migration
 * (`herald migrate`'s queue step) for Herald's side, BullMQ's own for the raw baseline.
 */
export async function prepareBenchQueues(
  setup: BenchSetup,
  backend: BenchBackend,
  prefix: string,
  side: 'herald' | 'raw',
): Promise<void> {
  if (backend === 'redis') return;
  if (side === 'herald') {
    await migrateQueueStore(setup.testDb.url, prefix);
    return;
  }
  const client = new pg.Client({ connectionString: setup.testDb.url });
  await client.connect();
  try {
    await runMigrations(client, queueSchemaName(prefix));
  } finally {
    await client.end();
  }
}

/** The raw baseline's queue, in the parent: on the bench's Redis connection, or a PostgreSQL pool of its own. */
export function createRawQueue(setup: BenchSetup, backend: BenchBackend, prefix: string): Queue {
  if (backend === 'redis') return new Queue('tasks', { connection: setup.redis, prefix });
  // Typed for the PostgreSQL backend; the bench uses only the API both backends share.
  return new Queue(
    'tasks',
    { connection: rawPostgresConnection(setup, prefix, 'queue') },
    createPostgresBackend,
  ) as never;
}

/** Deletes a scenario's queues now: its Redis keys, or its schema (the database itself goes at the end). */
export async function dropBenchQueues(
  setup: BenchSetup,
  backend: BenchBackend,
  prefix: string,
): Promise<void> {
  if (backend === 'redis') {
    await setup.dropPrefix(prefix);
    return;
  }
  await setup.testDb.db.pool.query(`DROP SCHEMA IF EXISTS "${queueSchemaName(prefix)}" CASCADE`);
}
