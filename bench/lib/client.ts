/** A TaskClient on the bench database and a prefix, as the API builds one. */
import { loadConfig } from '@herald/config';
import {
  createPostgresQueueStore,
  createQueues,
  createRedisConnection,
  redisQueueStoreOn,
  RunLedger,
  TaskClient,
  type HeraldQueues,
} from '@herald/core';
import type { BenchBackend } from './queue-backend.ts';
import type { BenchSetup } from './setup.ts';
import { REDIS_URL } from './setup.ts';
import { benchRegistry } from './tasks.ts';

export interface BenchClient {
  client: TaskClient;
  queues: HeraldQueues;
  close(): Promise<void>;
}

/** On PostgreSQL, the prefix's queue schema must be migrated first (prepareBenchQueues). */
export function createBenchClient(
  setup: BenchSetup,
  prefix: string,
  backend: BenchBackend = 'redis',
): BenchClient {
  const store =
    backend === 'postgres'
      ? createPostgresQueueStore({ url: setup.testDb.url, prefix })
      : redisQueueStoreOn(createRedisConnection(loadConfig({ REDIS_URL }), { forWorker: false }), prefix);
  const queues = createQueues(store);
  const client = new TaskClient(benchRegistry, new RunLedger(setup.testDb.db.pool), queues);
  return {
    client,
    queues,
    async close() {
      await queues.close();
      await store.close();
    },
  };
}

/** Splits 0..count-1 into chunks of `size`. */
export function chunks(count: number, size: number): number[][] {
  const result: number[][] = [];
  for (let start = 0; start < count; start += size) {
    result.push(Array.from({ length: Math.min(size, count - start) }, (_, index) => start + index));
  }
  return result;
}

/** Runs `count` jobs with at most `limit` at a time. */
export async function inParallel(
  count: number,
  limit: number,
  job: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

export const seconds = (startedAt: number) => (performance.now() - startedAt) / 1000;
