import type { Config } from '@herald/config';
import { createPostgresQueueStore, migrateQueueStore } from './postgres-queue-store';
import { chooseQueueBackend, type QueueBackendChoice, type QueueStore } from './queue-store';
import { createRedisQueueStore } from './redis-queue-store';
import { queuePrefix } from './redis';

type StoreConfig = Pick<
  Config,
  | 'QUEUE_BACKEND'
  | 'QUEUE_DATABASE_URL'
  | 'DATABASE_URL'
  | 'QUEUE_PREFIX'
  | 'REDIS_URL'
  | 'REDIS_CLUSTER'
  | 'REDIS_CLUSTER_NODES'
  | 'redisUrlGiven'
>;

export interface OpenQueueStoreOptions {
  /** Workers wait out an outage; the API fails fast (a 503 beats a hung request). */
  forWorker?: boolean;
  onError?: (error: Error) => void;
  /** The backend, when the caller chose it already; else chooseQueueBackend decides. */
  choice?: QueueBackendChoice;
}

/** The queues' database URL on PostgreSQL: QUEUE_DATABASE_URL, else DATABASE_URL. */
export const queueDatabaseUrl = (config: Pick<Config, 'QUEUE_DATABASE_URL' | 'DATABASE_URL'>) =>
  config.QUEUE_DATABASE_URL ?? config.DATABASE_URL;

/** The queue store the configuration asks for, and why it was chosen. */
export async function openQueueStore(
  config: StoreConfig,
  options: OpenQueueStoreOptions = {},
): Promise<{ store: QueueStore; choice: QueueBackendChoice }> {
  const choice = options.choice ?? (await chooseQueueBackend(config));
  const store =
    choice.kind === 'postgres'
      ? createPostgresQueueStore({
          url: queueDatabaseUrl(config),
          prefix: config.QUEUE_PREFIX,
          onError: options.onError,
        })
      : createRedisQueueStore(config, {
          forWorker: options.forWorker,
          onError: options.onError,
          prefix: queuePrefix(config),
        });
  return { store, choice };
}

/** `herald migrate`'s queue step: on PostgreSQL, creates or upgrades the queues' schema. */
export async function migrateQueues(
  config: StoreConfig,
): Promise<{ choice: QueueBackendChoice; schema?: string; applied?: number }> {
  const choice = await chooseQueueBackend(config);
  if (choice.kind !== 'postgres') return { choice };
  return { choice, ...(await migrateQueueStore(queueDatabaseUrl(config), config.QUEUE_PREFIX)) };
}
