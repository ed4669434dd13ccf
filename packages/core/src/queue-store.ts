import net from 'node:net';
import type { FlowProducer, Processor, Queue, Telemetry, Worker, WorkerOptions } from 'bullmq';
import type { Config } from '@herald/config';

export type QueueBackendKind = 'redis' | 'postgres';

export interface RateLimitResult {
  allowed: boolean;
  retryAfterSeconds: number;
}

/** A worker's settings; the store adds where the queues live. */
export type WorkerSettings = Omit<WorkerOptions, 'connection' | 'prefix'>;

/**
 * Where Herald's queues live, Redis or PostgreSQL: BullMQ's classes built on it, and the few
 * things Herald does on the store itself (cancel requests to the workers, the API's rate limits,
 * readiness). Everything else goes through BullMQ's own API, the same on both.
 */
export interface QueueStore {
  readonly kind: QueueBackendKind;
  readonly prefix: string;
  /** The key of this store in /readyz's checks. */
  readonly readinessName: string;
  queue<D>(name: string, telemetry?: Telemetry): Queue<D>;
  worker<D>(name: string, processor: Processor<D>, settings: WorkerSettings): Worker<D>;
  flowProducer(telemetry?: Telemetry): FlowProducer;
  /** Tells whichever worker runs `runId` to cancel it. */
  publishCancel(runId: string): Promise<void>;
  /** Calls `listener` with each run id whose cancel is requested, until closed. */
  subscribeCancel(
    listener: (runId: string) => void,
    onError: (error: unknown) => void,
  ): { close(): Promise<void> };
  /** A fixed-window counter shared by every API replica. */
  hitRateLimit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult>;
  /** Whether the store answers within a second. */
  isReachable(): Promise<boolean>;
  close(): Promise<void>;
}

export interface QueueBackendChoice {
  kind: QueueBackendKind;
  /** One line saying why, for the start-up log. */
  reason: string;
}

const LOCAL_REDIS = { host: '127.0.0.1', port: 6379 };

/**
 * Sends a raw `PING` and reports whether a Redis answered `+PONG`. A server that wants a
 * password answers `-NOAUTH`, which counts as unusable: nothing here knows its password.
 */
export function pingRedis(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

/**
 * QUEUE_BACKEND when set; else Redis when REDIS_URL (or a cluster) is configured or a Redis
 * answers on 127.0.0.1:6379; else PostgreSQL, on QUEUE_DATABASE_URL or DATABASE_URL.
 */
export async function chooseQueueBackend(
  config: Pick<Config, 'QUEUE_BACKEND' | 'REDIS_CLUSTER' | 'redisUrlGiven'>,
): Promise<QueueBackendChoice> {
  if (config.QUEUE_BACKEND)
    return { kind: config.QUEUE_BACKEND, reason: `QUEUE_BACKEND=${config.QUEUE_BACKEND}` };
  if (config.REDIS_CLUSTER) return { kind: 'redis', reason: 'REDIS_CLUSTER is set' };
  if (config.redisUrlGiven) return { kind: 'redis', reason: 'REDIS_URL is set' };
  if (await pingRedis(LOCAL_REDIS.host, LOCAL_REDIS.port, 500))
    return { kind: 'redis', reason: 'a Redis answers on 127.0.0.1:6379' };
  return { kind: 'postgres', reason: 'no REDIS_URL and no Redis on 127.0.0.1:6379' };
}

/** The PostgreSQL schema of a queue prefix: lower case, [a-z0-9_] only, not starting with a digit. */
export function queueSchemaName(prefix: string): string {
  const name = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const safe = /^[a-z_]/.test(name) ? name : `q_${name}`;
  return safe.slice(0, 63);
}

/** `promise`'s outcome as a boolean, false after `ms`. */
export function answersWithin(promise: Promise<unknown>, ms = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  return Promise.race([
    promise.then(
      () => true,
      () => false,
    ),
    deadline,
  ]).finally(() => clearTimeout(timer));
}
