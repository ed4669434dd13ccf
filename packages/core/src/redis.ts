import { Redis, Cluster } from 'ioredis';
import type { Config } from '@herald/config';

export type RedisConnection = Redis | Cluster;

/**
 * A connection for BullMQ. maxRetriesPerRequest must be null for workers (BullMQ blocks on
 * Redis); a Redis Cluster needs the queue prefix in {braces} so a queue's keys share a slot.
 */
export function createRedisConnection(
  config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER'>,
  { forWorker = true }: { forWorker?: boolean } = {},
): RedisConnection {
  const options = {
    maxRetriesPerRequest: forWorker ? null : 3,
    enableOfflineQueue: forWorker,
    // Reconnect forever with a capped delay: Redis restarts must not kill the process.
    retryStrategy: (times: number) => Math.min(times * 200, 5_000),
  };
  if (config.REDIS_CLUSTER) {
    const url = new URL(config.REDIS_URL);
    return new Cluster([{ host: url.hostname, port: Number(url.port || 6379) }], {
      redisOptions: { ...options, password: url.password || undefined, username: url.username || undefined },
    });
  }
  return new Redis(config.REDIS_URL, options);
}

/** The BullMQ prefix: as configured, hash-tagged on a cluster unless it already is. */
export function queuePrefix(config: Pick<Config, 'QUEUE_PREFIX' | 'REDIS_CLUSTER'>): string {
  const prefix = config.QUEUE_PREFIX;
  if (config.REDIS_CLUSTER && !/\{.+\}/.test(prefix)) return `{${prefix}}`;
  return prefix;
}
