import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '@herald/config';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import {
  createQueues,
  createRedisConnection,
  RunLedger,
  startTaskWorker,
  TaskClient,
  TaskRegistry,
  type HeraldQueues,
  type RedisConnection,
  type TaskDefinition,
  type TaskWorkerOptions,
} from '@herald/core';

export const redisUrl = () => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface Harness {
  testDb: TestDatabase;
  connection: RedisConnection;
  prefix: string;
  queues: HeraldQueues;
  ledger: RunLedger;
  registry: TaskRegistry;
  client: TaskClient;
  org: { id: string };
  user: { id: string; email: string | null };
  startWorker(options?: Partial<TaskWorkerOptions>): ReturnType<typeof startTaskWorker>;
  close(): Promise<void>;
}

/** A database, a Redis key prefix and queues of the test's own, removed by close(). */
export async function createHarness(tasks: readonly TaskDefinition[]): Promise<Harness> {
  const testDb = await createTestDatabase();
  const config = loadConfig({ REDIS_URL: redisUrl() });
  const connection = createRedisConnection(config);
  const prefix = `test-${randomUUID()}`;
  const queues = createQueues(connection, prefix);
  const ledger = new RunLedger(testDb.db.pool);
  const registry = new TaskRegistry(tasks);
  const client = new TaskClient(registry, ledger, queues, connection);
  const org = await testDb.db.prisma.organization.create({ data: { name: 'Harness Org' } });
  const user = await testDb.db.prisma.user.create({
    data: { organizationId: org.id, email: 'owner@harness.test', name: 'Owner' },
  });
  const workers: ReturnType<typeof startTaskWorker>[] = [];
  return {
    testDb,
    connection,
    prefix,
    queues,
    ledger,
    registry,
    client,
    org,
    user,
    startWorker(options = {}) {
      const worker = startTaskWorker({
        registry,
        ledger,
        queues,
        connection,
        logger: silentLogger,
        concurrency: 10,
        ...options,
      });
      workers.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.close(1_000)));
      await deleteKeys(connection, prefix);
      await queues.close();
      connection.disconnect();
      await testDb.drop();
    },
  };
}

export async function deleteKeys(connection: RedisConnection, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await (connection as Redis).scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await connection.del(...keys);
  } while (cursor !== '0');
}

/** Polls until check() returns a truthy value, or fails after timeoutMs. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled'];

export function waitForRunEnd(harness: Harness, runId: string, timeoutMs = 15_000) {
  return waitFor(
    async () => {
      const run = await harness.testDb.db.prisma.taskRun.findUnique({ where: { id: runId } });
      return run && TERMINAL.includes(run.status) ? run : null;
    },
    timeoutMs,
    `run ${runId} to end`,
  );
}
