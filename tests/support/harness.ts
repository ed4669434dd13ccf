import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '@herald/db/testing';
import {
  createQueues,
  RunLedger,
  startTaskWorker,
  TaskClient,
  TaskRegistry,
  type HeraldQueues,
  type QueueStore,
  type TaskDefinition,
  type TaskWorkerOptions,
} from '@herald/core';
import { createTestQueueStore, removeTestQueues } from './queue-backend';

export { redisUrl, deleteKeys } from './queue-backend';
export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface Harness {
  testDb: TestDatabase;
  store: QueueStore;
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

/** A database, queues (a Redis key prefix, or a PostgreSQL schema) of the test's own, removed by close(). */
export async function createHarness(tasks: readonly TaskDefinition[]): Promise<Harness> {
  const testDb = await createTestDatabase();
  const prefix = `test-${randomUUID()}`;
  const store = await createTestQueueStore(testDb.url, prefix);
  const queues = createQueues(store);
  const ledger = new RunLedger(testDb.db.pool);
  const registry = new TaskRegistry(tasks);
  const client = new TaskClient(registry, ledger, queues, { logger: silentLogger });
  const org = await testDb.db.prisma.organization.create({ data: { name: 'Harness Org' } });
  const user = await testDb.db.prisma.user.create({
    data: { organizationId: org.id, email: 'owner@harness.test', name: 'Owner' },
  });
  const workers: ReturnType<typeof startTaskWorker>[] = [];
  return {
    testDb,
    store,
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
        logger: silentLogger,
        concurrency: 10,
        ...options,
      });
      workers.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.close(1_000)));
      await removeTestQueues(prefix);
      await queues.close();
      await store.close();
      await testDb.drop();
    },
  };
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
