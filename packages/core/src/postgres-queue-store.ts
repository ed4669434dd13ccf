import { createPostgresBackend, FlowProducer, Queue, runMigrations, Worker } from 'bullmq';
import pg from 'pg';
import { answersWithin, queueSchemaName, type QueueStore } from './queue-store';

export interface PostgresQueueStore extends QueueStore {
  readonly kind: 'postgres';
  readonly schema: string;
}

export interface PostgresQueueStoreOptions {
  /** The queues' database: QUEUE_DATABASE_URL, else DATABASE_URL. */
  url: string;
  /** QUEUE_PREFIX: the queues live in the PostgreSQL schema named after it. */
  prefix: string;
  onError?: (error: Error) => void;
}

/** Connections of each BullMQ class's own pool: a worker's jobs share them, a queue's adds too. */
const POOL_SIZE = { queue: 2, worker: 4 } as const;
const IDLE_MS = 5_000;
const RELISTEN_MS = 1_000;
/** Rate-limit windows that ended this long ago are deleted, now and then, by a later hit. */
const RATE_ROWS_KEPT_S = 3_600;

const rateTable = (schema: string) => `"${schema}".herald_rate_limit`;

/**
 * Creates or upgrades the queues' tables (BullMQ's migrations, idempotent and safe to run from
 * several processes at once) and Herald's own rate-limit table, in the schema of `prefix`.
 */
export async function migrateQueueStore(
  url: string,
  prefix: string,
): Promise<{ schema: string; applied: number }> {
  const schema = queueSchemaName(prefix);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const applied = await runMigrations(client, schema);
    await client.query(
      `CREATE UNLOGGED TABLE IF NOT EXISTS ${rateTable(schema)} (
         key text PRIMARY KEY, hits integer NOT NULL, window_ends timestamptz NOT NULL)`,
    );
    return { schema, applied };
  } finally {
    await client.end();
  }
}

/**
 * Herald's queues on BullMQ's PostgreSQL backend. Cancel requests go over LISTEN/NOTIFY; the
 * rate limits are rows of an unlogged table. Run migrateQueueStore first (`herald migrate`).
 */
export function createPostgresQueueStore(options: PostgresQueueStoreOptions): PostgresQueueStore {
  const schema = queueSchemaName(options.prefix);
  const channel = `${schema}_cancel`;
  const onError = (error: unknown) =>
    options.onError?.(error instanceof Error ? error : new Error(String(error)));
  const connection = (max: number) => ({
    connectionString: options.url,
    schema,
    max,
    idleTimeoutMillis: IDLE_MS,
    application_name: 'herald',
  });
  // Herald's own queries: cancel notifications, rate limits, readiness.
  const pool = new pg.Pool({ connectionString: options.url, max: 2, idleTimeoutMillis: IDLE_MS });
  pool.on('error', onError);
  const listeners = new Set<{ close(): Promise<void> }>();
  let hits = 0;

  // BullMQ's classes take the backend factory as their last argument and are then typed for it;
  // Herald uses only the API both backends share, so they are handed on as the default-typed classes.
  return {
    kind: 'postgres',
    prefix: options.prefix,
    schema,
    readinessName: 'queue-database',
    queue: (name, telemetry) =>
      new Queue(name, { connection: connection(POOL_SIZE.queue), telemetry }, createPostgresBackend) as never,
    worker: (name, processor, settings) =>
      new Worker(
        name,
        processor,
        { ...settings, connection: connection(POOL_SIZE.worker) },
        createPostgresBackend,
      ) as never,
    flowProducer: (telemetry) =>
      new FlowProducer(
        { connection: connection(POOL_SIZE.queue), telemetry },
        createPostgresBackend,
      ) as never,
    async publishCancel(runId) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, runId]);
    },
    subscribeCancel(listener, onListenError) {
      const subscription = listen(options.url, channel, listener, onListenError);
      listeners.add(subscription);
      return {
        async close() {
          listeners.delete(subscription);
          await subscription.close();
        },
      };
    },
    async hitRateLimit(key, limit, windowSeconds) {
      const { rows } = await pool.query<{ hits: number; ttl: number }>(
        `INSERT INTO ${rateTable(schema)} AS r (key, hits, window_ends)
           VALUES ($1, 1, now() + make_interval(secs => $2))
         ON CONFLICT (key) DO UPDATE SET
           hits = CASE WHEN r.window_ends <= now() THEN 1 ELSE r.hits + 1 END,
           window_ends = CASE WHEN r.window_ends <= now() THEN EXCLUDED.window_ends ELSE r.window_ends END
         RETURNING hits, ceil(extract(epoch FROM r.window_ends - now()))::int AS ttl`,
        [key, windowSeconds],
      );
      if (++hits % 100 === 0)
        void pool
          .query(`DELETE FROM ${rateTable(schema)} WHERE window_ends < now() - make_interval(secs => $1)`, [
            RATE_ROWS_KEPT_S,
          ])
          .catch(onError);
      const row = rows[0] ?? { hits: 1, ttl: windowSeconds };
      return { allowed: row.hits <= limit, retryAfterSeconds: Math.max(row.ttl, 1) };
    },
    isReachable: () => answersWithin(pool.query('SELECT 1')),
    async close() {
      await Promise.all([...listeners].map((subscription) => subscription.close()));
      listeners.clear();
      await pool.end();
    },
  };
}

/** LISTEN on a connection of its own, made again after it drops (a restart, an outage). */
function listen(
  url: string,
  channel: string,
  listener: (payload: string) => void,
  onError: (error: unknown) => void,
): { close(): Promise<void> } {
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    const next = new pg.Client({ connectionString: url, keepAlive: true, application_name: 'herald-cancel' });
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload) listener(message.payload);
    });
    const again = (error?: unknown) => {
      if (error) onError(error);
      if (client !== next) return;
      client = null;
      void next.end().catch(() => {});
      if (!closed) retry = setTimeout(() => void connect(), RELISTEN_MS);
    };
    next.on('error', again);
    next.on('end', () => again());
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN "${channel}"`);
      if (closed) await next.end();
    } catch (error) {
      again(error);
    }
  };
  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
