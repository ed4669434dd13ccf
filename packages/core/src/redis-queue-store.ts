import { FlowProducer, Queue, Worker } from 'bullmq';
import type { Config } from '@herald/config';
import { answersWithin, type QueueStore } from './queue-store';
import { createRedisConnection, queuePrefix, type RedisConnection } from './redis';

export interface RedisQueueStore extends QueueStore {
  readonly kind: 'redis';
  readonly connection: RedisConnection;
}

/**
 * Herald's queues on Redis (or a Redis Cluster). `forWorker` connections wait out an outage;
 * the API's fail fast so a request gets a 503 instead of hanging.
 */
export function createRedisQueueStore(
  config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER' | 'REDIS_CLUSTER_NODES' | 'QUEUE_PREFIX'>,
  options: { forWorker?: boolean; prefix?: string; onError?: (error: Error) => void } = {},
): RedisQueueStore {
  const connection = createRedisConnection(config, { forWorker: options.forWorker ?? true });
  if (options.onError) connection.on('error', options.onError);
  return redisQueueStoreOn(connection, options.prefix ?? queuePrefix(config));
}

/** A store on a connection the caller made (and closes, unless it calls close()). */
export function redisQueueStoreOn(connection: RedisConnection, prefix: string): RedisQueueStore {
  const subscribers = new Set<RedisConnection>();
  return {
    kind: 'redis',
    prefix,
    readinessName: 'redis',
    connection,
    queue: (name, telemetry) => new Queue(name, { connection, prefix, telemetry }),
    worker: (name, processor, settings) => new Worker(name, processor, { ...settings, connection, prefix }),
    flowProducer: (telemetry) => new FlowProducer({ connection, prefix, telemetry }),
    async publishCancel(runId) {
      await connection.publish(`${prefix}:cancel`, runId);
    },
    subscribeCancel(listener, onError) {
      const subscriber = connection.duplicate();
      subscribers.add(subscriber);
      subscriber.subscribe(`${prefix}:cancel`).catch(onError);
      subscriber.on('message', (_channel: string, runId: string) => listener(runId));
      return {
        async close() {
          subscribers.delete(subscriber);
          subscriber.disconnect();
        },
      };
    },
    async hitRateLimit(key, limit, windowSeconds) {
      const results = await connection.multi().incr(key).expire(key, windowSeconds, 'NX').ttl(key).exec();
      const count = Number(results?.[0]?.[1] ?? 0);
      const ttl = Number(results?.[2]?.[1] ?? windowSeconds);
      return { allowed: count <= limit, retryAfterSeconds: Math.max(ttl, 1) };
    },
    // A key in the queues' own slot (the prefix's hash tag): on a cluster a PING reaches any
    // node, and says yes while the master that holds Herald's queues is down.
    isReachable: () => answersWithin(connection.exists(`${prefix}:readyz`)),
    async close() {
      for (const subscriber of subscribers) subscriber.disconnect();
      subscribers.clear();
      connection.disconnect();
    },
  };
}
