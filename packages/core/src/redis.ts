import { Redis, Cluster, type ClusterOptions } from 'ioredis';
import type { Config } from '@herald/config';

export type RedisConnection = Redis | Cluster;

type RedisConfig = Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER'> & Partial<Pick<Config, 'REDIS_CLUSTER_NODES'>>;

/**
 * How long a cluster client keeps retrying a command that meets MOVED, TRYAGAIN, CLUSTERDOWN or a
 * closed connection: each retry waits `delayMs`, at most `redirections` times. A promotion takes
 * cluster-node-timeout plus about a second; the API gives up sooner (a 503 beats a hung request),
 * the worker rides it out.
 */
export const CLUSTER_RETRY = {
  api: { redirections: 8, delayMs: 250 },
  worker: { redirections: 120, delayMs: 500 },
} as const;

/** The cluster's seed nodes: REDIS_CLUSTER_NODES, else REDIS_URL's host. */
export function clusterSeedNodes(config: RedisConfig): { host: string; port: number }[] {
  if (config.REDIS_CLUSTER_NODES?.length) return config.REDIS_CLUSTER_NODES;
  const url = new URL(config.REDIS_URL);
  return [{ host: url.hostname, port: Number(url.port || 6379) }];
}

/** Options for ioredis' Cluster, where it reads them (not per node, where most are ignored). */
export function clusterOptions(config: RedisConfig, forWorker: boolean): ClusterOptions {
  const url = new URL(config.REDIS_URL);
  const retry = forWorker ? CLUSTER_RETRY.worker : CLUSTER_RETRY.api;
  return {
    // The API answers 503 at once while the slot map is unknown; the worker queues and waits.
    enableOfflineQueue: forWorker,
    maxRedirections: retry.redirections,
    retryDelayOnMoved: retry.delayMs,
    retryDelayOnFailover: retry.delayMs,
    retryDelayOnClusterDown: retry.delayMs,
    retryDelayOnTryAgain: retry.delayMs,
    slotsRefreshTimeout: 2_000,
    // Keep trying to reach the seeds forever (capped delay): a cluster restart must not kill the process.
    clusterRetryStrategy: (times: number) => Math.min(100 + times * 200, 2_000),
    // Connect to seed names as given instead of resolving them first: with TLS (ElastiCache,
    // Memorystore) the certificate names the host, and an address would fail the check.
    dnsLookup: (address, callback) => callback(null, address),
    redisOptions: {
      maxRetriesPerRequest: forWorker ? null : 1,
      password: decodeURIComponent(url.password) || undefined,
      username: decodeURIComponent(url.username) || undefined,
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
}

/**
 * A connection for BullMQ. maxRetriesPerRequest must be null for workers (BullMQ blocks on
 * Redis); a Redis Cluster needs the queue prefix in {braces} so a queue's keys share a slot.
 */
export function createRedisConnection(
  config: RedisConfig,
  { forWorker = true }: { forWorker?: boolean } = {},
): RedisConnection {
  if (config.REDIS_CLUSTER) return new Cluster(clusterSeedNodes(config), clusterOptions(config, forWorker));
  return new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: forWorker ? null : 3,
    enableOfflineQueue: forWorker,
    // Reconnect forever with a capped delay: Redis restarts must not kill the process.
    retryStrategy: (times: number) => Math.min(times * 200, 5_000),
  });
}

/** The BullMQ prefix: as configured, hash-tagged on a cluster unless it already is. */
export function queuePrefix(config: Pick<Config, 'QUEUE_PREFIX' | 'REDIS_CLUSTER'>): string {
  const prefix = config.QUEUE_PREFIX;
  if (config.REDIS_CLUSTER && !/\{.+\}/.test(prefix)) return `{${prefix}}`;
  return prefix;
}
